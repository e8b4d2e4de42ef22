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

STOWAGE_INLINE std::string sqlite_json_path(const std::vector<std::string>& tokens) {
  std::string path = "$";
  for (const auto& t : tokens) {
    path += ".\"";
    render_detail::append_json_escaped(path, t);
    path += '"';
  }
  return path;
}

namespace render_detail {

inline void put_counted(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

inline bool get_counted(std::string_view& in, std::string_view& s) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(in.data(), in.data() + in.size(), n);
  if (ec != std::errc() || end == in.data() + in.size() || *end != ':') return false;
  in.remove_prefix(static_cast<std::size_t>(end - in.data()) + 1);
  if (n > in.size()) return false;
  s = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

}  // namespace render_detail

STOWAGE_INLINE std::string json_test_spec(detail::op test, const std::vector<std::string>& path,
                                          const std::vector<detail::json_scalar>& values) {
  std::string out;
  out += static_cast<char>('A' + static_cast<int>(test));
  out += std::to_string(path.size());
  out += ';';
  for (const auto& t : path) render_detail::put_counted(out, t);
  out += std::to_string(values.size());
  out += ';';
  for (const auto& v : values) {
    out += static_cast<char>('0' + v.index());
    switch (v.index()) {
      case 0: break;
      case 1: out += std::get<1>(v) ? '1' : '0'; break;
      case 4: render_detail::put_counted(out, std::get<4>(v)); break;
      default: render_detail::put_counted(out, json_literal(v));  // numbers as JSON writes them, exactly
    }
  }
  return out;
}

STOWAGE_INLINE bool read_json_test_spec(std::string_view in, detail::op& test, std::vector<std::string>& path,
                                        std::vector<detail::json_scalar>& values) {
  auto count = [&](std::size_t& n) {
    auto [end, ec] = std::from_chars(in.data(), in.data() + in.size(), n);
    if (ec != std::errc() || end == in.data() + in.size() || *end != ';') return false;
    in.remove_prefix(static_cast<std::size_t>(end - in.data()) + 1);
    return true;
  };
  // the blob comes from SQL, which anyone holding the database may write: only the tests
  // json_test_spec writes, each with the values it needs, are read
  if (in.empty() || in[0] < 'A' + static_cast<int>(detail::op::eq) ||
      in[0] > 'A' + static_cast<int>(detail::op::is_null))
    return false;
  test = static_cast<detail::op>(in[0] - 'A');
  if (test == detail::op::prefix || test == detail::op::like || test == detail::op::contains ||
      test == detail::op::icontains)
    return false;
  in.remove_prefix(1);
  std::size_t n = 0;
  std::string_view s;
  if (!count(n)) return false;
  path.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (!render_detail::get_counted(in, s)) return false;
    path.emplace_back(s);
  }
  if (!count(n)) return false;
  values.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (in.empty()) return false;
    char kind = in[0];
    in.remove_prefix(1);
    if (kind == '0') {
      values.emplace_back(nullptr);
      continue;
    }
    if (kind == '1') {
      if (in.empty()) return false;
      values.emplace_back(in[0] == '1');
      in.remove_prefix(1);
      continue;
    }
    if (!render_detail::get_counted(in, s)) return false;
    const char* last = s.data() + s.size();
    if (kind == '2') {
      std::int64_t x = 0;
      if (std::from_chars(s.data(), last, x).ptr != last) return false;
      values.emplace_back(x);
    } else if (kind == '3') {
      double x = 0;
      if (std::from_chars(s.data(), last, x).ptr != last) return false;
      values.emplace_back(x);
    } else if (kind == '5') {
      std::uint64_t x = 0;
      if (std::from_chars(s.data(), last, x).ptr != last) return false;
      values.emplace_back(x);
    } else if (kind == '4') {
      values.emplace_back(std::string(s));
    } else {
      return false;
    }
  }
  const std::size_t need = test == detail::op::in ? values.size() : test == detail::op::is_null ? 0 : 1;
  return in.empty() && values.size() == need;
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
    case 5: return std::to_string(std::get<5>(v));
    case 3: {
      char buf[32];
      // the fewest digits that read back as the double, as JSON text writes a stored double (in
      // fixed notation a large one would be written with all its digits, another decimal)
      auto r = std::to_chars(buf, buf + sizeof buf, std::get<3>(v), std::chars_format::scientific);
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
