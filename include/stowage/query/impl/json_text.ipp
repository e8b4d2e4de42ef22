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

enum class kind : std::uint8_t { missing, null, boolean, number, string, composite };

struct scalar {
  kind k = kind::missing;
  bool b = false;
  std::string_view number;  // the literal, compared by its exact decimal value
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
    while (end < t.size() && (t[end] == '-' || t[end] == '+' || t[end] == '.' || t[end] == 'e' || t[end] == 'E' ||
                              (t[end] >= '0' && t[end] <= '9')))
      ++end;
    s.k = kind::number;
    s.number = t.substr(at, end - at);
  }
  return s;
}

/// A number's exact value as significant digits (no leading or trailing zeros) and the power of
/// ten above the first: 0.d1d2... x 10^exp; zero has no digits.
struct decimal {
  bool negative = false;
  std::string digits;
  long long exp = 0;
};

inline decimal read_decimal(std::string_view s) {
  decimal d;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) d.negative = s[i++] == '-';
  long long whole_digits = 0;
  bool fraction = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (d.digits.empty() && c == '0') {  // a leading zero: the place moves down after the point
        if (fraction) --d.exp;
        continue;
      }
      d.digits += c;
      if (!fraction) ++whole_digits;
    } else if (c == '.') {
      fraction = true;
    } else {
      break;
    }
  }
  long long e = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool minus = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
      if (e < 1'000'000'000'000LL) e = e * 10 + (s[i] - '0');
    if (minus) e = -e;
  }
  while (!d.digits.empty() && d.digits.back() == '0') d.digits.pop_back();
  if (d.digits.empty()) return decimal{};
  d.exp += whole_digits + e;
  return d;
}

inline std::partial_ordering compare(const decimal& a, const decimal& b) {
  auto sign = [](const decimal& x) { return x.digits.empty() ? 0 : x.negative ? -1 : 1; };
  if (sign(a) != sign(b)) return sign(a) <=> sign(b);
  if (sign(a) == 0) return std::partial_ordering::equivalent;
  // same sign: compare the magnitudes, then turn the answer for negatives
  std::strong_ordering m = a.exp != b.exp ? a.exp <=> b.exp : a.digits.compare(b.digits) <=> 0;
  return a.negative ? 0 <=> m : m;
}

/// The decimal a JSON number operand stands for: an integer exactly, a double as the decimal of
/// the fewest significant digits that reads back as it (as JSON text writes a stored double, and
/// as PostgreSQL's jsonb receives the operand).
inline decimal decimal_of(const json_scalar& v) {
  char buf[32];
  std::to_chars_result r{};
  if (v.index() == 2)
    r = std::to_chars(buf, buf + sizeof buf, std::get<2>(v));
  else if (v.index() == 5)
    r = std::to_chars(buf, buf + sizeof buf, std::get<5>(v));
  else
    r = std::to_chars(buf, buf + sizeof buf, std::get<3>(v), std::chars_format::scientific);
  return read_decimal(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

/// How a stored number compares with a number operand, by exact decimal value.
inline std::partial_ordering compare_number(std::string_view literal, const json_scalar& v) {
  // the common case, an integer literal and an int64 operand, without the general reading
  if (v.index() == 2) {
    std::int64_t i = 0;
    auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), i);
    if (ec == std::errc() && end == literal.data() + literal.size()) return i <=> std::get<2>(v);
  }
  return compare(read_decimal(literal), decimal_of(v));
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
    case 3:
    case 5: return s.k == kind::number ? compare_number(s.number, v) : std::partial_ordering::unordered;
    case 4:
      if (s.k != kind::string) return std::partial_ordering::unordered;
      return std::string_view(s.s).compare(std::get<4>(v)) <=> 0;
  }
  return std::partial_ordering::unordered;
}

}  // namespace json_text

STOWAGE_INLINE bool json_test_holds(const std::string_view* document, op o, const std::vector<std::string>& path,
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
