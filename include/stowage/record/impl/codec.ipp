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

}  // namespace stowage::detail
