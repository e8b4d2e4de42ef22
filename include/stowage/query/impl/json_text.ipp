// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
// The evaluator's side of JSON-path tests (query/json_path.hpp): a reader of the JSON text
// stowage stores, which follows a pointer without parsing the whole document.
#pragma once

#include <charconv>
#include <compare>

namespace stowage::detail {

namespace json_text {

// A reader of JSON text as stowage stores it (valid JSON, written by nlohmann_json): enough to
// follow a pointer and read the scalar at its end.

enum class kind : std::uint8_t { missing, null, boolean, integer, real, string, composite };

struct scalar {
  kind k = kind::missing;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
};

inline void skip_ws(std::string_view t, std::size_t& at) {
  while (at < t.size() && (t[at] == ' ' || t[at] == '\n' || t[at] == '\r' || t[at] == '\t')) ++at;
}

inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

inline std::uint32_t hex4(std::string_view t, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = at; i < at + 4 && i < t.size(); ++i) {
    char c = t[i];
    v = v * 16 + static_cast<std::uint32_t>(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
  }
  return v;
}

/// The string starting at the quote at `at`, decoded; `at` ends after its closing quote.
inline std::string read_string(std::string_view t, std::size_t& at) {
  std::string out;
  ++at;
  while (at < t.size() && t[at] != '"') {
    char c = t[at++];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (at >= t.size()) break;
    char e = t[at++];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        std::uint32_t cp = hex4(t, at);
        at += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && at + 6 <= t.size() && t[at] == '\\' && t[at + 1] == 'u') {
          std::uint32_t lo = hex4(t, at + 2);
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            at += 6;
          }
        }
        append_utf8(out, cp);
        break;
      }
      default: out += e;  // " \ /
    }
  }
  ++at;
  return out;
}

/// Moves `at` past the value that starts there.
inline void skip_value(std::string_view t, std::size_t& at) {
  int depth = 0;
  do {
    skip_ws(t, at);
    if (at >= t.size()) return;
    char c = t[at];
    if (c == '"') {
      read_string(t, at);
    } else if (c == '{' || c == '[') {
      ++depth;
      ++at;
    } else if (c == '}' || c == ']') {
      --depth;
      ++at;
    } else if (c == ',' || c == ':') {
      ++at;
    } else {
      while (at < t.size() && t[at] != ',' && t[at] != '}' && t[at] != ']' && t[at] != ' ' && t[at] != '\n' &&
             t[at] != '\r' && t[at] != '\t')
        ++at;
    }
  } while (depth > 0);
}

/// Moves `at` to the value the token names inside the container at `at`; false when there is none.
inline bool step(std::string_view t, std::size_t& at, const std::string& token) {
  skip_ws(t, at);
  if (at >= t.size()) return false;
  if (t[at] == '{') {
    ++at;
    // the last member of a name wins, as it does when nlohmann, SQLite or PostgreSQL read it
    std::size_t found = std::string_view::npos;
    for (;;) {
      skip_ws(t, at);
      if (at >= t.size() || t[at] != '"') break;
      std::string key = read_string(t, at);
      skip_ws(t, at);
      ++at;  // ':'
      skip_ws(t, at);
      if (key == token) found = at;
      skip_value(t, at);
      skip_ws(t, at);
      if (at >= t.size() || t[at] != ',') break;
      ++at;
    }
    if (found == std::string_view::npos) return false;
    at = found;
    return true;
  }
  if (t[at] == '[') {
    if (!json_array_index(token)) return false;
    std::uint64_t n = 0;
    std::from_chars(token.data(), token.data() + token.size(), n);
    ++at;
    skip_ws(t, at);
    if (at < t.size() && t[at] == ']') return false;
    for (std::uint64_t i = 0;; ++i) {
      skip_ws(t, at);
      if (i == n) return true;
      skip_value(t, at);
      skip_ws(t, at);
      if (at >= t.size() || t[at] != ',') return false;
      ++at;
    }
  }
  return false;
}

inline scalar read_scalar(std::string_view t, std::size_t at) {
  scalar s;
  skip_ws(t, at);
  if (at >= t.size()) return s;
  char c = t[at];
  if (c == '"') {
    s.k = kind::string;
    s.s = read_string(t, at);
  } else if (c == '{' || c == '[') {
    s.k = kind::composite;
  } else if (c == 'n') {
    s.k = kind::null;
  } else if (c == 't' || c == 'f') {
    s.k = kind::boolean;
    s.b = c == 't';
  } else {
    std::size_t end = at;
    bool integral = true;
    while (end < t.size() && (t[end] == '-' || t[end] == '+' || t[end] == '.' || t[end] == 'e' || t[end] == 'E' ||
                              (t[end] >= '0' && t[end] <= '9'))) {
      if (t[end] == '.' || t[end] == 'e' || t[end] == 'E') integral = false;
      ++end;
    }
    const char* first = t.data() + at;
    const char* last = t.data() + end;
    // an integer beyond int64 is read as a double, as SQLite reads it
    if (integral && std::from_chars(first, last, s.i).ec == std::errc{}) {
      s.k = kind::integer;
    } else {
      s.k = kind::real;
      std::from_chars(first, last, s.d);
    }
  }
  return s;
}

/// Orders an integer and a double exactly (no rounding of the integer to a double).
inline std::partial_ordering compare_int_real(std::int64_t i, double r) {
  if (r < -9223372036854775808.0) return std::partial_ordering::greater;
  if (r >= 9223372036854775808.0) return std::partial_ordering::less;
  auto whole = static_cast<std::int64_t>(r);  // truncated toward zero
  if (i != whole) return i <=> whole;
  return static_cast<double>(whole) <=> r;  // i == trunc(r): r's fraction decides
}

/// How the value at the path compares with v; unordered across kinds.
inline std::partial_ordering compare(const scalar& s, const json_scalar& v) {
  switch (v.index()) {
    case 0:
      return s.k == kind::null || s.k == kind::missing ? std::partial_ordering::equivalent
                                                       : std::partial_ordering::unordered;
    case 1:
      return s.k == kind::boolean
                 ? (s.b == std::get<1>(v) ? std::partial_ordering::equivalent : std::partial_ordering::unordered)
                 : std::partial_ordering::unordered;
    case 2:
    case 3: {
      bool vi = v.index() == 2;
      if (s.k == kind::integer) {
        if (vi) return s.i <=> std::get<2>(v);
        return compare_int_real(s.i, std::get<3>(v));
      }
      if (s.k == kind::real) {
        if (vi) return 0 <=> compare_int_real(std::get<2>(v), s.d);
        return s.d <=> std::get<3>(v);
      }
      return std::partial_ordering::unordered;
    }
    case 4:
      if (s.k != kind::string) return std::partial_ordering::unordered;
      return std::string_view(s.s).compare(std::get<4>(v)) <=> 0;
  }
  return std::partial_ordering::unordered;
}

}  // namespace json_text

STOWAGE_INLINE bool json_test_holds(const std::string* document, op o, const std::vector<std::string>& path,
                                    const std::vector<json_scalar>& values) {
  using namespace json_text;
  scalar s;
  if (document) {
    std::string_view t = *document;
    std::size_t at = 0;
    bool found = true;
    for (const auto& token : path)
      if (!step(t, at, token)) {
        found = false;
        break;
      }
    if (found) s = read_scalar(t, at);
  }
  // booleans and null are equal or not, never ordered
  auto ordered = [&](const json_scalar& v) {
    return v.index() >= 2 ? compare(s, v) : std::partial_ordering::unordered;
  };
  switch (o) {
    case op::is_null: return s.k != kind::missing;
    case op::eq: return compare(s, values[0]) == 0;
    case op::ne: return compare(s, values[0]) != 0;
    case op::lt: return ordered(values[0]) < 0;
    case op::le: return ordered(values[0]) <= 0;
    case op::gt: return ordered(values[0]) > 0;
    case op::ge: return ordered(values[0]) >= 0;
    case op::in:
      for (const auto& v : values)
        if (compare(s, v) == 0) return true;
      return false;
    default: return false;
  }
}

}  // namespace stowage::detail
