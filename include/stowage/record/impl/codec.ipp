// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE const char* cell_type_word(cell::type t) noexcept {
  switch (t) {
    case cell::type::integer: return "an integer";
    case cell::type::real: return "a real number";
    case cell::type::text: return "text";
    case cell::type::blob: return "a blob";
    default: return "NULL";
  }
}

[[noreturn]] STOWAGE_INLINE void wrong_cell(const char* expected, cell::type found) {
  throw codec_failure{error_kind::corrupt, std::string("expected ") + expected + ", found " + cell_type_word(found)};
}

[[noreturn]] STOWAGE_INLINE void null_in_required_field() {
  throw codec_failure{error_kind::corrupt, "stored NULL in a field that is not optional"};
}

STOWAGE_INLINE value to_value(const cell& c) {
  switch (c.t) {
    case cell::type::integer: return c.i;
    case cell::type::real: return c.d;
    case cell::type::text: return std::string(c.text());
    case cell::type::blob: {
      auto b = c.blob();
      return bytes(b.begin(), b.end());
    }
    default: return std::monostate{};
  }
}

template <>
STOWAGE_INLINE void encode_typed<std::string>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<std::string>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<std::string>(void* field, const cell& in) {
  decode_field_of<std::string>(field, in);
}
template <>
STOWAGE_INLINE void encode_typed<std::optional<std::string>>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<std::optional<std::string>>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<std::optional<std::string>>(void* field, const cell& in) {
  decode_field_of<std::optional<std::string>>(field, in);
}
template <>
STOWAGE_INLINE void encode_typed<std::int64_t>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<std::int64_t>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<std::int64_t>(void* field, const cell& in) {
  decode_field_of<std::int64_t>(field, in);
}
template <>
STOWAGE_INLINE void encode_typed<std::optional<std::int64_t>>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<std::optional<std::int64_t>>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<std::optional<std::int64_t>>(void* field, const cell& in) {
  decode_field_of<std::optional<std::int64_t>>(field, in);
}
template <>
STOWAGE_INLINE void encode_typed<std::int32_t>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<std::int32_t>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<std::int32_t>(void* field, const cell& in) {
  decode_field_of<std::int32_t>(field, in);
}
template <>
STOWAGE_INLINE void encode_typed<double>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<double>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<double>(void* field, const cell& in) {
  decode_field_of<double>(field, in);
}
template <>
STOWAGE_INLINE void encode_typed<std::optional<double>>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<std::optional<double>>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<std::optional<double>>(void* field, const cell& in) {
  decode_field_of<std::optional<double>>(field, in);
}
template <>
STOWAGE_INLINE void encode_typed<bool>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<bool>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<bool>(void* field, const cell& in) {
  decode_field_of<bool>(field, in);
}
template <>
STOWAGE_INLINE void encode_typed<timestamp>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<timestamp>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<timestamp>(void* field, const cell& in) {
  decode_field_of<timestamp>(field, in);
}
template <>
STOWAGE_INLINE void encode_typed<bytes>(const void* field, cell& out, std::string& scratch) {
  encode_field_of<bytes>(field, out, scratch);
}
template <>
STOWAGE_INLINE void decode_typed<bytes>(void* field, const cell& in) {
  decode_field_of<bytes>(field, in);
}

}  // namespace stowage::detail
