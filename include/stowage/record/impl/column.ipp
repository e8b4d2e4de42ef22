// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

[[noreturn]] STOWAGE_INLINE void integer_does_not_fit(std::int64_t stored) {
  throw codec_failure{error_kind::corrupt,
                      "stored integer " + std::to_string(stored) + " does not fit the field's type"};
}

[[noreturn]] STOWAGE_INLINE void nan_refused() {
  throw codec_failure{error_kind::bad_input, "NaN cannot be stored (backends turn it into NULL or refuse it)"};
}

[[noreturn]] STOWAGE_INLINE void time_point_unstorable_text(const std::string& ticks) {
  throw codec_failure{error_kind::bad_input, "the time point " + ticks +
                                                 " ticks from 1970 is outside the range stowage stores (microseconds "
                                                 "that its own type can hold again)"};
}
[[noreturn]] STOWAGE_INLINE void time_point_unstorable(long long ticks) {
  time_point_unstorable_text(std::to_string(ticks));
}
[[noreturn]] STOWAGE_INLINE void time_point_unstorable(unsigned long long ticks) {
  time_point_unstorable_text(std::to_string(ticks));
}
[[noreturn]] STOWAGE_INLINE void time_point_unstorable(long double ticks) {
  time_point_unstorable_text(std::to_string(ticks));
}

[[noreturn]] STOWAGE_INLINE void stored_time_out_of_range(std::int64_t us) {
  throw codec_failure{error_kind::corrupt, "the stored time " + std::to_string(us) +
                                               " microseconds from 1970 is outside the range of the field's time "
                                               "point type"};
}

[[noreturn]] STOWAGE_INLINE void enum_value_unnamed(long long v, std::string_view type) {
  throw codec_failure{error_kind::bad_input, "enum value " + std::to_string(v) + " of " + std::string(type) +
                                                 " has no enumerator name to store"};
}

[[noreturn]] STOWAGE_INLINE void enum_name_unknown(std::string_view name, std::string_view type) {
  throw codec_failure{error_kind::corrupt,
                      "stored name '" + std::string(name) + "' is no enumerator of " + std::string(type)};
}

STOWAGE_INLINE std::string describe(const value& v) {
  constexpr std::size_t max = 64;
  struct visitor {
    std::string operator()(std::monostate) const { return "NULL"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return std::to_string(d); }
    std::string operator()(const std::string& s) const {
      std::string out = "\"";
      for (char c : s.substr(0, max)) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\x";
          out += hex[(static_cast<unsigned char>(c) >> 4) & 0xF];
          out += hex[static_cast<unsigned char>(c) & 0xF];
        } else {
          out += c;
        }
      }
      out += s.size() > max ? "\"..." : "\"";
      return out;
    }
    std::string operator()(const bytes& b) const {
      static constexpr char hex[] = "0123456789abcdef";
      std::string out = "x'";
      for (std::size_t i = 0; i < b.size() && i < max / 2; ++i) {
        out += hex[std::to_integer<unsigned>(b[i]) >> 4];
        out += hex[std::to_integer<unsigned>(b[i]) & 0xF];
      }
      out += b.size() > max / 2 ? "'..." : "'";
      return out;
    }
  };
  return std::visit(visitor{}, v);
}

}  // namespace stowage::detail
