// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::sql {

STOWAGE_INLINE void quote_identifier(std::string& out, std::string_view name, char quote) {
  out += quote;
  for (char c : name) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
}

STOWAGE_INLINE std::string prefix_upper_bound(std::string p) {
  while (!p.empty() && static_cast<unsigned char>(p.back()) == 0xFF) p.pop_back();
  if (!p.empty()) p.back() = static_cast<char>(static_cast<unsigned char>(p.back()) + 1);
  return p;
}

STOWAGE_INLINE std::string utf8_prefix_upper_bound(std::string p) {
  while (!p.empty()) {
    // the last character: its lead byte and code point
    std::size_t lead = p.size() - 1;
    while (lead > 0 && (static_cast<unsigned char>(p[lead]) & 0xC0) == 0x80 && p.size() - lead < 4) --lead;
    auto b0 = static_cast<unsigned char>(p[lead]);
    std::size_t len = b0 < 0x80 ? 1 : b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
    if (len != p.size() - lead) return p;
    char32_t cp = len == 1 ? b0 : b0 & (0x7F >> len);
    for (std::size_t i = lead + 1; i < p.size(); ++i) cp = (cp << 6) | (static_cast<unsigned char>(p[i]) & 0x3F);
    p.resize(lead);
    if (cp == 0x10FFFF) continue;  // no successor: carry into the character before
    ++cp;
    if (cp == 0xD800) cp = 0xE000;  // surrogates are not characters
    if (cp < 0x80) {
      p += static_cast<char>(cp);
    } else if (cp < 0x800) {
      p += static_cast<char>(0xC0 | (cp >> 6));
      p += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      p += static_cast<char>(0xE0 | (cp >> 12));
      p += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      p += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      p += static_cast<char>(0xF0 | (cp >> 18));
      p += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      p += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      p += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return p;
  }
  return p;
}

}  // namespace stowage::sql
