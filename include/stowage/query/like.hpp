// LIKE matching with stowage's one meaning, bytewise on every backend: % matches any run of
// bytes (the empty one too), _ exactly one byte, and the escape byte (a backslash) makes the
// byte after it literal. NUL is an ordinary byte. memory and json_dir evaluate LIKE with it, and
// the sqlite backend registers it as SQLite's like() function, so the three cannot disagree.
#pragma once

#include <cstddef>
#include <string_view>

namespace stowage::detail {

/// Whether p ends in an escape that escapes nothing ("a\"), which no text can match.
inline bool like_pattern_dangles(std::string_view p, char escape = '\\') {
  std::size_t i = 0;
  while (i < p.size()) i += p[i] == escape ? 2 : 1;
  return i > p.size();
}

/// Whether the tokens of p (no % among them) match s byte for byte, s as long as p has tokens.
inline bool like_match_fixed(std::string_view s, std::string_view p, char escape) {
  std::size_t si = 0;
  for (std::size_t pi = 0; pi < p.size(); ++pi, ++si) {
    if (si == s.size()) return false;
    if (p[pi] == escape) {
      if (++pi == p.size() || p[pi] != s[si]) return false;
    } else if (p[pi] != '_' && p[pi] != s[si]) {
      return false;
    }
  }
  return si == s.size();
}

/// Whether s matches the LIKE pattern p. Iterative, with no recursion and no exponential
/// backtracking: when a byte fails to match, only the last % seen takes one more byte and
/// the rest of the pattern is tried again from there (a % before it never needs to take more,
/// as the last one can take anything). The part after the last % matches the end of s, so it
/// is compared there once. Time is linear in |s| + |p| for usual patterns, |s| * |p| at worst
/// (a long run of literals between two %s that almost matches at every place). A dangling
/// escape at the end matches nothing (like_pattern_dangles).
inline bool like_match(std::string_view s, std::string_view p, char escape = '\\') {
  constexpr std::size_t none = std::string_view::npos;
  // where the part after the last % begins, and how many bytes it matches
  std::size_t tail = 0, tail_bytes = 0;
  for (std::size_t i = 0; i < p.size(); ++i, ++tail_bytes) {
    if (p[i] == escape) {
      ++i;
    } else if (p[i] == '%') {
      tail = i + 1;
      tail_bytes = none;  // the increment makes it 0
    }
  }
  std::size_t si = 0, pi = 0;
  std::size_t star_p = none, star_s = 0;  // just after the last % seen, and where in s it began
  while (si < s.size()) {
    if (pi < p.size()) {
      char c = p[pi];
      if (c == escape) {
        if (pi + 1 < p.size() && p[pi + 1] == s[si]) {
          ++si;
          pi += 2;
          continue;
        }
      } else if (c == '%') {
        star_p = ++pi;
        star_s = si;
        if (star_p == tail)
          return tail_bytes <= s.size() - si &&
                 like_match_fixed(s.substr(s.size() - tail_bytes), p.substr(tail), escape);
        continue;
      } else if (c == '_' || c == s[si]) {
        ++si;
        ++pi;
        continue;
      }
    }
    if (star_p == none) return false;
    si = ++star_s;
    pi = star_p;
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

}  // namespace stowage::detail
