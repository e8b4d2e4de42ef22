// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

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
