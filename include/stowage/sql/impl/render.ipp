// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

#include <charconv>

namespace stowage::sql {

STOWAGE_INLINE void quote_identifier(std::string& out, std::string_view name, char quote) {
  out += quote;
  for (char c : name) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
}

STOWAGE_INLINE void quote_literal(std::string& out, std::string_view s) { quote_identifier(out, s, '\''); }

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

namespace render_detail {

/// s as the inside of a JSON string, escaped as stowage's JSON text (nlohmann's dump) escapes it.
inline void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 15];
        } else {
          out += c;
        }
    }
  }
}

}  // namespace render_detail

STOWAGE_INLINE std::vector<std::string> sqlite_json_paths(const std::vector<std::string>& tokens) {
  std::vector<std::string> paths{"$"};
  for (const auto& t : tokens) {
    bool index = detail::json_array_index(t);
    std::size_t n = paths.size();
    if (index)
      for (std::size_t i = 0; i < n; ++i) paths.push_back(paths[i] + "[" + t + "]");
    for (std::size_t i = 0; i < n; ++i) {
      paths[i] += ".\"";
      render_detail::append_json_escaped(paths[i], t);
      paths[i] += '"';
    }
  }
  return paths;
}

STOWAGE_INLINE std::string pg_text_array(const std::vector<std::string>& tokens, std::size_t count) {
  std::string out = "{";
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : tokens[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

STOWAGE_INLINE bool pg_loose_index(std::string_view t) {
  return detail::json_number_like(t) && !detail::json_array_index(t);
}

STOWAGE_INLINE std::string json_literal(const detail::json_scalar& v) {
  switch (v.index()) {
    case 0: return "null";
    case 1: return std::get<1>(v) ? "true" : "false";
    case 2: return std::to_string(std::get<2>(v));
    case 3: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, std::get<3>(v));
      return std::string(buf, r.ptr);
    }
    default: {
      std::string out = "\"";
      render_detail::append_json_escaped(out, std::get<4>(v));
      out += '"';
      return out;
    }
  }
}

}  // namespace stowage::sql
