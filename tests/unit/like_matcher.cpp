// stowage's LIKE matcher (query/like.hpp): bytewise, iterative, and the same as the textbook
// definition on every pattern.
#include <catch2/catch.hpp>

#include <stowage/query/like.hpp>

#include <random>
#include <string>
#include <vector>

using stowage::detail::like_match;
using stowage::detail::like_pattern_dangles;
using namespace std::string_literals;

namespace {
/// The definition, by dynamic programming over (text position, pattern position).
bool reference_like(const std::string& s, const std::string& p) {
  // tokens: 0 = %, 1 = _, 2 = a literal byte
  std::vector<std::pair<int, char>> tokens;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\')
      tokens.push_back({2, p[++i]});
    else if (p[i] == '%')
      tokens.push_back({0, 0});
    else if (p[i] == '_')
      tokens.push_back({1, 0});
    else
      tokens.push_back({2, p[i]});
  }
  // m[j][i]: the first j tokens match the first i bytes
  std::vector<std::vector<bool>> m(tokens.size() + 1, std::vector<bool>(s.size() + 1, false));
  m[0][0] = true;
  for (std::size_t j = 1; j <= tokens.size(); ++j)
    for (std::size_t i = 0; i <= s.size(); ++i) {
      auto [kind, c] = tokens[j - 1];
      if (kind == 0)
        m[j][i] = m[j - 1][i] || (i > 0 && m[j][i - 1]);
      else if (i > 0)
        m[j][i] = m[j - 1][i - 1] && (kind == 1 || s[i - 1] == c);
    }
  return m[tokens.size()][s.size()];
}
}  // namespace

TEST_CASE("like counts bytes: NUL, UTF-8 and bytes that are not UTF-8 are single bytes") {
  CHECK(like_match("a\0b"s, "a\0b"s));
  CHECK_FALSE(like_match("a\0b"s, "a\0zzz"s));
  CHECK_FALSE(like_match("a\0b"s, "a"));
  CHECK(like_match("a\0b"s, "a_b"));
  CHECK(like_match("a\0b"s, "%\0%"s));
  CHECK(like_match("\xC3(", "%("));
  CHECK(like_match("\xC3(", "__"));
  CHECK(like_match("é", "%\xA9"));
  CHECK(like_match("a\\", "a\\\\"));
  CHECK_FALSE(like_match("a", "a\\"));  // a dangling escape matches nothing
}

TEST_CASE("a pattern dangles when it ends in an escape that escapes nothing") {
  CHECK(like_pattern_dangles("\\"));
  CHECK(like_pattern_dangles("a\\"));
  CHECK(like_pattern_dangles("a\\\\\\"));
  CHECK_FALSE(like_pattern_dangles(""));
  CHECK_FALSE(like_pattern_dangles("a\\\\"));
  CHECK_FALSE(like_pattern_dangles("\\%"));
  CHECK_FALSE(like_pattern_dangles("a%_"));
  CHECK(like_pattern_dangles("a!", '!'));
}

TEST_CASE("like agrees with the definition on random texts and patterns") {
  std::mt19937 rng(7);
  const std::string text_bytes = "ab\0%_"s, pattern_bytes = "ab\0%_\\"s;
  for (int round = 0; round < 20000; ++round) {
    std::string s, p;
    for (auto n = rng() % 9; n > 0; --n) s += text_bytes[rng() % text_bytes.size()];
    for (auto n = rng() % 8; n > 0; --n) p += pattern_bytes[rng() % pattern_bytes.size()];
    if (like_pattern_dangles(p)) p += '%';
    INFO("text '" << s << "', pattern '" << p << "'");
    REQUIRE(like_match(s, p) == reference_like(s, p));
  }
}

TEST_CASE("like takes patterns of 100 KB without recursion or blow-up") {
  std::string text(100'000, 'a');
  std::string many_wildcards;
  for (int i = 0; i < 50'000; ++i) many_wildcards += "%a";
  CHECK(like_match(text, many_wildcards));
  CHECK_FALSE(like_match(text, many_wildcards + "b"));
  std::string underscores(100'000, '_');
  CHECK(like_match(text, underscores));
  CHECK_FALSE(like_match(text, underscores + "_"));
  std::string suffix = "%";
  suffix.append(50'000, 'a');
  CHECK(like_match(text, suffix));
  // the classic exponential case for backtracking matchers (built by append: g++ 12 warns
  // wrongly about a temporary string + a literal)
  std::string stars(2'000, '%');
  stars += "a%b";
  CHECK_FALSE(like_match(std::string(5'000, 'a'), stars));
}
