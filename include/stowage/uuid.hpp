// Identifiers that the store generates: version 7 UUIDs (RFC 9562), whose first 48 bits are the
// creation time in milliseconds, so that ids sort by creation in their binary form and in their
// text, on every backend. The type is Boost.Uuid's; a stowage::uuid field is stored as its
// canonical text (36 characters, lowercase hex), which every backend compares byte by byte.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/uuid/uuid.hpp>

#include <stowage/detail/config.hpp>
#include <stowage/record/column.hpp>

namespace stowage {

using uuid = boost::uuids::uuid;

/// A new version 7 UUID: the time in milliseconds since 1970, then 74 random bits from the
/// operating system. The ids one process makes are strictly increasing, also within a
/// millisecond and when the clock steps back (the last id's time is kept then, and its random
/// part counted up by a random step).
/// Safe to call from several threads; a forked child starts a sequence of its own.
uuid new_uuid();

/// The creation time a version 7 UUID holds (its first 48 bits).
std::chrono::sys_time<std::chrono::milliseconds> uuid_time(const uuid& id) noexcept;

/// The canonical text: 8-4-4-4-12 lowercase hex digits.
std::string uuid_text(const uuid& id);

/// The UUID that text spells in canonical form (either case), or nullopt.
std::optional<uuid> parse_uuid(std::string_view text) noexcept;

namespace detail {
[[noreturn]] void stored_uuid_invalid(std::string_view text);
}  // namespace detail

/// A UUID field is stored as its canonical text; stored text that is no UUID is corrupt data.
template <>
struct column_traits<uuid> {
  using storage_type = std::string;
  static constexpr column_kind kind = column_kind::text;
  static std::string to_storage(const uuid& v) { return uuid_text(v); }
  static uuid from_storage(const std::string& s) {
    if (auto u = parse_uuid(s)) return *u;
    detail::stored_uuid_invalid(s);
  }
};

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/impl/uuid.ipp>
#endif
