// How a field's C++ type becomes a stored column: the column_traits customization point, the
// built-in mappings, and the small value type the memory backend and query parameters share.
#pragma once

#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <ratio>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <stowage/detail/config.hpp>
#include <stowage/error.hpp>
#include <stowage/record/enum_names.hpp>
#include <stowage/record/types.hpp>

namespace stowage {

/// The logical type of a column; each backend maps it to its own column type.
enum class column_kind { boolean, int16, int32, int64, real32, real64, text, blob, timestamp, json };

constexpr std::string_view to_string(column_kind k) noexcept {
  switch (k) {
    case column_kind::boolean: return "boolean";
    case column_kind::int16: return "int16";
    case column_kind::int32: return "int32";
    case column_kind::int64: return "int64";
    case column_kind::real32: return "real32";
    case column_kind::real64: return "real64";
    case column_kind::text: return "text";
    case column_kind::blob: return "blob";
    case column_kind::timestamp: return "timestamp";
    case column_kind::json: return "json";
  }
  return "?";
}

/// Customization point: how a field type T is stored. A specialization provides
///
///     using storage_type = ...;   // one of std::int64_t, double, std::string, stowage::bytes
///     static constexpr column_kind kind = ...;   // optional; derived from storage_type if absent
///     static storage_type to_storage(const T&);  // may return a const& to avoid a copy
///     static T from_storage(storage_type);       // throw anything derived from std::exception
///                                                // to report a stored value T cannot hold
///
/// Law: from_storage(to_storage(x)) == x for every x a record may hold.
/// std::optional<T> needs no specialization: it is T's column, nullable.
template <class T>
struct column_traits;

namespace detail {

/// Thrown by the built-in codecs; the record layer turns it into a stowage::error that names
/// the record, the key and the field.
struct codec_failure {
  error_kind kind;
  std::string message;
};

// The built-in codecs' failures, thrown by plain functions: the message is built by code
// compiled once, not in every codec instantiated for a field type.
[[noreturn]] void integer_does_not_fit(std::int64_t stored);
[[noreturn]] void nan_refused();
[[noreturn]] void time_point_unstorable(long long ticks);
[[noreturn]] void time_point_unstorable(unsigned long long ticks);
[[noreturn]] void time_point_unstorable(long double ticks);
[[noreturn]] void stored_time_out_of_range(std::int64_t us);
[[noreturn]] void enum_value_unnamed(long long v, std::string_view type);
[[noreturn]] void enum_name_unknown(std::string_view name, std::string_view type);

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_time_point : std::false_type {};
template <class D>
struct is_time_point<std::chrono::time_point<std::chrono::system_clock, D>> : std::true_type {};

template <class T>
concept plain_integer = std::integral<T> && !std::same_as<T, bool>;

template <class S>
concept storage_type =
    std::same_as<S, std::int64_t> || std::same_as<S, double> || std::same_as<S, std::string> || std::same_as<S, bytes>;

template <class S>
constexpr column_kind default_kind() {
  if constexpr (std::same_as<S, std::int64_t>)
    return column_kind::int64;
  else if constexpr (std::same_as<S, double>)
    return column_kind::real64;
  else if constexpr (std::same_as<S, std::string>)
    return column_kind::text;
  else
    return column_kind::blob;
}

}  // namespace detail

/// A type is a column when column_traits<T> says how to store it.
template <class T>
concept column = requires {
  typename column_traits<T>::storage_type;
  requires detail::storage_type<typename column_traits<T>::storage_type>;
};

template <>
struct column_traits<bool> {
  using storage_type = std::int64_t;
  static constexpr column_kind kind = column_kind::boolean;
  static std::int64_t to_storage(bool v) noexcept { return v ? 1 : 0; }
  static bool from_storage(std::int64_t v) { return v != 0; }
};

template <detail::plain_integer T>
struct column_traits<T> {
  using storage_type = std::int64_t;
  // unsigned types take the next wider column so every value fits; uint64 keeps its bit pattern
  static constexpr std::size_t width = sizeof(T) + (std::is_unsigned_v<T> && sizeof(T) < 8 ? sizeof(T) : 0);
  static constexpr column_kind kind = width <= 2   ? column_kind::int16
                                      : width <= 4 ? column_kind::int32
                                                   : column_kind::int64;
  static std::int64_t to_storage(T v) noexcept { return static_cast<std::int64_t>(v); }
  static T from_storage(std::int64_t v) {
    if constexpr (sizeof(T) < 8) {
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          v > static_cast<std::int64_t>(std::numeric_limits<T>::max()))
        detail::integer_does_not_fit(v);
    }
    return static_cast<T>(v);
  }
};

template <std::floating_point T>
struct column_traits<T> {
  using storage_type = double;
  static constexpr column_kind kind = sizeof(T) <= 4 ? column_kind::real32 : column_kind::real64;
  static double to_storage(T v) {
    if (std::isnan(v)) detail::nan_refused();
    return static_cast<double>(v);
  }
  static T from_storage(double v) noexcept { return static_cast<T>(v); }
};

template <>
struct column_traits<std::string> {
  using storage_type = std::string;
  static const std::string& to_storage(const std::string& v) noexcept { return v; }
  static std::string from_storage(std::string v) noexcept { return v; }
};

template <>
struct column_traits<bytes> {
  using storage_type = bytes;
  static const bytes& to_storage(const bytes& v) noexcept { return v; }
  static bytes from_storage(bytes v) noexcept { return v; }
};

namespace detail {

/// Microseconds since the epoch, floored, of a duration; nullopt when they do not fit an int64,
/// or when the floored value is outside D's own range (so reading it back into D would wrap:
/// system_clock::time_point::min() floored to microseconds lies before the earliest nanosecond
/// count, and came back as a date in 2262).
template <class D>
std::optional<std::int64_t> micros_of(D d) {
  using rep = typename D::rep;
  using r = std::ratio_divide<typename D::period, std::micro>;  // D's tick in microseconds
  constexpr auto lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
  if constexpr (std::is_integral_v<rep> && sizeof(rep) <= 8 && (r::num == 1 || r::den == 1)) {
    auto n = static_cast<std::int64_t>(d.count());
    if constexpr (std::is_unsigned_v<rep> && sizeof(rep) == 8)
      if (d.count() > static_cast<rep>(hi)) return std::nullopt;
    if constexpr (r::den == 1) {  // a tick of one microsecond or more
      if (n > hi / r::num || n < lo / r::num) return std::nullopt;
      return n * r::num;
    } else {  // a finer tick: floor, then check the result converts back
      std::int64_t us = n / r::den - (n % r::den < 0 ? 1 : 0);
      constexpr auto rep_lo = static_cast<std::int64_t>(std::numeric_limits<rep>::min());
      if (us < rep_lo / r::den) return std::nullopt;
      return us;
    }
  } else {  // floating or unusual ticks: in floating point, which needs no overflow checks
    long double us = std::floor(static_cast<long double>(d.count()) * r::num / r::den);
    if (!(us >= static_cast<long double>(lo) && us < static_cast<long double>(hi))) return std::nullopt;
    return static_cast<std::int64_t>(us);
  }
}

/// D's value for a count of microseconds, or nullopt when D cannot hold it.
template <class D>
std::optional<D> duration_of_micros(std::int64_t us) {
  using rep = typename D::rep;
  using r = std::ratio_divide<std::micro, typename D::period>;  // a microsecond in D's ticks
  if constexpr (std::is_integral_v<rep> && (r::den == 1 || r::num == 1)) {
    if constexpr (r::den == 1) {
      // the count is us * r::num; it must fit rep
      constexpr auto rep_lo = std::numeric_limits<rep>::min();
      constexpr auto rep_hi = std::numeric_limits<rep>::max();
      if constexpr (std::is_unsigned_v<rep>) {
        if (us < 0 || static_cast<std::uint64_t>(us) > static_cast<std::uint64_t>(rep_hi) / r::num) return std::nullopt;
      } else {
        if (us > static_cast<std::int64_t>(rep_hi) / r::num || us < static_cast<std::int64_t>(rep_lo) / r::num)
          return std::nullopt;
      }
      return D(static_cast<rep>(us * r::num));
    } else {  // a coarser tick: to_storage wrote whole ticks, so this divides exactly
      std::int64_t n = us / r::den - (us % r::den < 0 ? 1 : 0);
      if (n < static_cast<std::int64_t>(std::numeric_limits<rep>::min()) ||
          (n > 0 && static_cast<std::uint64_t>(n) > static_cast<std::uint64_t>(std::numeric_limits<rep>::max())))
        return std::nullopt;
      return D(static_cast<rep>(n));
    }
  } else {
    long double ticks = static_cast<long double>(us) * r::num / r::den;
    if constexpr (std::is_integral_v<rep>) ticks = std::floor(ticks);
    if (!(ticks >= static_cast<long double>(std::numeric_limits<rep>::lowest()) &&
          ticks <= static_cast<long double>(std::numeric_limits<rep>::max())))
      return std::nullopt;
    return D(static_cast<rep>(ticks));
  }
}

}  // namespace detail

/// Time points are stored as microseconds since 1970 (UTC), floored: a finer time point loses
/// its sub-microsecond part. One whose microseconds cannot be stored, or would not read back
/// into its own type, is bad input; a stored value its type cannot hold is corrupt data.
template <class T>
requires detail::is_time_point<T>::value struct column_traits<T> {
  using storage_type = std::int64_t;
  static constexpr column_kind kind = column_kind::timestamp;
  static std::int64_t to_storage(T v) {
    if (auto us = detail::micros_of(v.time_since_epoch())) return *us;
    using rep = typename T::rep;
    const rep ticks = v.time_since_epoch().count();
    if constexpr (std::is_floating_point_v<rep>)
      detail::time_point_unstorable(static_cast<long double>(ticks));
    else if constexpr (std::is_unsigned_v<rep>)
      detail::time_point_unstorable(static_cast<unsigned long long>(ticks));
    else
      detail::time_point_unstorable(static_cast<long long>(ticks));
  }
  static T from_storage(std::int64_t us) {
    if (auto d = detail::duration_of_micros<typename T::duration>(us)) return T(*d);
    detail::stored_time_out_of_range(us);
  }
};

template <class E>
requires std::is_enum_v<E>
struct column_traits<E> {
  using storage_type = std::string;
  static constexpr column_kind kind = column_kind::text;
  static_assert(!detail::enum_names_v<E>.empty(),
                "stowage stores enums by name, and no enumerator of this enum was found: "
                "specialize stowage::enum_traits<E> with its names");
  static std::string_view to_storage(E v) {
    if (auto n = detail::enum_to_name(v)) return *n;
    detail::enum_value_unnamed(static_cast<long long>(v), detail::type_name<E>());
  }
  static E from_storage(const std::string& s) {
    if (auto v = detail::enum_from_name<E>(s)) return *v;
    detail::enum_name_unknown(s, detail::type_name<E>());
  }
};

// ---------------------------------------------------------------------------------------------
// The field layer: a field is a column or an optional column.

/// One stored value, as the memory backend keeps it and as query parameters carry it.
/// monostate is SQL NULL.
using value = std::variant<std::monostate, std::int64_t, double, std::string, bytes>;

namespace detail {

template <class T>
struct field_info {
  using column_type = T;
  static constexpr bool nullable = false;
};
template <class T>
struct field_info<std::optional<T>> {
  using column_type = T;
  static constexpr bool nullable = true;
};

/// A field type the record layer knows how to store.
template <class T>
concept field_type = column<typename field_info<T>::column_type>;

template <class T>
using storage_of = typename column_traits<typename field_info<T>::column_type>::storage_type;

template <class T>
constexpr column_kind kind_of() {
  using traits = column_traits<typename field_info<T>::column_type>;
  if constexpr (requires { traits::kind; })
    return traits::kind;
  else
    return default_kind<typename traits::storage_type>();
}

/// Decodes a field from a source that answers is_null() and get<storage type>().
template <class T, class Source>
T read_stored(Source&& src) {
  if constexpr (field_info<T>::nullable) {
    if (src.is_null()) return std::nullopt;
    return T(read_stored<typename field_info<T>::column_type>(src));
  } else {
    if (src.is_null()) throw codec_failure{error_kind::corrupt, "stored NULL in a field that is not optional"};
    using traits = column_traits<T>;
    return traits::from_storage(src.template get<typename traits::storage_type>());
  }
}

/// A short human-readable rendering of a stored value for error messages.
std::string describe(const value& v);

}  // namespace detail
}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/record/impl/column.ipp>
#endif
