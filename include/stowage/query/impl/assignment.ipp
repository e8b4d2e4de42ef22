// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE field_change::field_change() = default;
STOWAGE_INLINE field_change::field_change(std::size_t f, value v) : field(f), to(std::move(v)) {}
STOWAGE_INLINE field_change::field_change(const field_change&) = default;
STOWAGE_INLINE field_change::field_change(field_change&&) noexcept = default;
STOWAGE_INLINE field_change& field_change::operator=(const field_change&) = default;
STOWAGE_INLINE field_change& field_change::operator=(field_change&&) noexcept = default;
STOWAGE_INLINE field_change::~field_change() = default;

[[noreturn]] STOWAGE_INLINE void assigned_value_refused(const codec_failure& c, std::string_view field) {
  throw_error(c.kind, "field '" + std::string(field) + "': the value set cannot be stored: " + c.message);
}

[[noreturn]] STOWAGE_INLINE void assigned_integer_out_of_range(std::string_view field, std::string value) {
  throw bad_input_error("field '" + std::string(field) + "': the value set, " + value +
                        ", does not fit the field's integer type");
}

STOWAGE_INLINE void check_changes(const table_schema& s, std::span<const field_change> changes) {
  for (std::size_t i = 0; i < changes.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (changes[i].field == changes[j].field)
        throw bad_input_error(
            "field '" + std::string(s.columns[changes[i].field].name) + "' is set twice in one update", context_of(s));
}

}  // namespace stowage::detail
