// LIKE matching with stowage's one meaning, bytewise on every backend: % matches any run of
// bytes (the empty one too), _ exactly one byte, and the escape byte (a backslash) makes the
// byte after it literal. NUL is an ordinary byte. memory and json_dir evaluate LIKE with it, and
// the sqlite backend registers it as SQLite's like() function, so the three cannot disagree.
#pragma once

#include <cstddef>
#include <stowage/detail/config.hpp>
#include <string_view>

namespace stowage::detail {

/// Whether p ends in an escape that escapes nothing ("a\"), which no text can match.
bool like_pattern_dangles(std::string_view p, char escape = '\\');

/// Whether the tokens of p (no % among them) match s byte for byte, s as long as p has tokens.
bool like_match_fixed(std::string_view s, std::string_view p, char escape);

/// Whether s matches the LIKE pattern p. Iterative, with no recursion and no exponential
/// backtracking: when a byte fails to match, only the last % seen takes one more byte and
/// the rest of the pattern is tried again from there (a % before it never needs to take more,
/// as the last one can take anything). The part after the last % matches the end of s, so it
/// is compared there once. Time is linear in |s| + |p| for usual patterns, |s| * |p| at worst
/// (a long run of literals between two %s that almost matches at every place). A dangling
/// escape at the end matches nothing (like_pattern_dangles).
bool like_match(std::string_view s, std::string_view p, char escape = '\\');

/// Whether s holds needle, byte for byte; with fold_ascii, A-Z and a-z match either case (and
/// no other byte changes). contains() and icontains() predicates on every backend: memory and
/// json_dir evaluate them with it, the sqlite backend registers it as stowage_contains().
bool text_contains(std::string_view s, std::string_view needle, bool fold_ascii);

}  // namespace stowage::detail

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/query/impl/like.ipp>
#endif
