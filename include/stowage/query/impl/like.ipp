// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

#include <algorithm>

namespace stowage::detail {

STOWAGE_INLINE bool like_pattern_dangles(std::string_view p, char escape) {
  std::size_t i = 0;
  while (i < p.size()) i += p[i] == escape ? 2 : 1;
  return i > p.size();
}

STOWAGE_INLINE bool like_match_fixed(std::string_view s, std::string_view p, char escape) {
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

STOWAGE_INLINE bool like_match(std::string_view s, std::string_view p, char escape) {
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

STOWAGE_INLINE bool text_contains(std::string_view s, std::string_view needle, bool fold_ascii) {
  if (!fold_ascii || needle.empty()) return s.find(needle) != std::string_view::npos;
  auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return std::search(s.begin(), s.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return fold(a) == fold(b); }) != s.end();
}

}  // namespace stowage::detail
