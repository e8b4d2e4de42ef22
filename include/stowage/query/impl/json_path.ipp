// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

#include <stowage/error.hpp>

namespace stowage {
namespace detail {

STOWAGE_INLINE std::vector<std::string> parse_json_pointer(std::string_view p, std::string& why) {
  std::vector<std::string> tokens;
  if (p.empty()) return tokens;
  if (p.front() != '/') {
    why = "a JSON pointer is empty or starts with '/'";
    return {};
  }
  for (std::size_t i = 1;; ++i) {
    std::string t;
    for (; i < p.size() && p[i] != '/'; ++i) {
      char c = p[i];
      if (c == '~') {
        if (i + 1 < p.size() && (p[i + 1] == '0' || p[i + 1] == '1')) {
          t += p[++i] == '0' ? '~' : '/';
          continue;
        }
        why = "'~' is written '~0' in a JSON pointer, and '/' inside a name '~1'";
        return {};
      }
      if (c == '"' || c == '\0') {
        why = "a name in a JSON pointer cannot hold a double quote or a NUL byte (SQLite's JSON paths cannot name it)";
        return {};
      }
      t += c;
    }
    tokens.push_back(std::move(t));
    if (i >= p.size()) return tokens;
  }
}

STOWAGE_INLINE bool json_array_index(std::string_view t) {
  if (t.empty() || t.size() > 18) return false;
  if (t.size() > 1 && t[0] == '0') return false;
  for (char c : t)
    if (c < '0' || c > '9') return false;
  return true;
}

STOWAGE_INLINE bool json_number_like(std::string_view t) {
  std::size_t i = 0;
  // what strtol takes: leading white space, a sign, digits
  while (i < t.size() && (t[i] == ' ' || (t[i] >= '\t' && t[i] <= '\r'))) ++i;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  if (i == t.size()) return false;
  for (; i < t.size(); ++i)
    if (t[i] < '0' || t[i] > '9') return false;
  return true;
}

[[noreturn]] STOWAGE_INLINE void json_non_finite_refused(double d) {
  throw bad_input_error(std::string("a JSON path cannot be compared with ") +
                            (d != d  ? "NaN"
                             : d > 0 ? "+infinity"
                                     : "-infinity") +
                            ": JSON numbers are finite (compare with a finite bound instead)",
                        {});
}

}  // namespace detail

[[noreturn]] STOWAGE_INLINE void json_operand::refuse(const std::string& json) {
  throw bad_input_error("a JSON path is compared with null, a boolean, a number or a string, not with " + json, {});
}

}  // namespace stowage
