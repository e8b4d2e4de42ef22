// Fuzzes LIKE: stowage's matcher (detail::like_match) and the sqlite backend (through the
// public API, in memory) against a plain dynamic-programming reference written here from the
// rule the project chose: bytewise, % any run of bytes, _ exactly one byte, \ makes the next
// byte literal, a pattern ending in an unpaired \ is bad input (refused when the predicate is
// built). Input: the first byte is the length of the text (modulo what is left), then the
// text, then the pattern; NUL bytes are ordinary bytes.
#include <stowage/sqlite.hpp>

#include "fuzz.hpp"

namespace {

struct token {
  enum { any_run, one, literal } kind;
  char c;
};

/// The pattern's tokens, or nullopt when it ends in an unpaired backslash.
std::optional<std::vector<token>> tokens(std::string_view p) {
  std::vector<token> out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '%')
      out.push_back({token::any_run, 0});
    else if (p[i] == '_')
      out.push_back({token::one, 0});
    else if (p[i] != '\\')
      out.push_back({token::literal, p[i]});
    else if (i + 1 < p.size())
      out.push_back({token::literal, p[++i]});
    else
      return std::nullopt;
  }
  return out;
}

/// match[j]: the first i bytes of s match the first j tokens, row by row over i.
bool reference_like(std::string_view s, const std::vector<token>& t) {
  std::vector<char> match(t.size() + 1, 0), next(t.size() + 1, 0);
  match[0] = 1;
  for (std::size_t j = 0; j < t.size() && t[j].kind == token::any_run; ++j) match[j + 1] = 1;
  for (char c : s) {
    next[0] = 0;
    for (std::size_t j = 0; j < t.size(); ++j) {
      switch (t[j].kind) {
        case token::any_run: next[j + 1] = next[j] || match[j + 1]; break;
        case token::one: next[j + 1] = match[j]; break;
        case token::literal: next[j + 1] = match[j] && t[j].c == c; break;
      }
    }
    std::swap(match, next);
  }
  return match[t.size()] != 0;
}

std::string shown(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using stowage::where;
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::size_t n = data[0] % (rest.size() + 1);
  std::string_view text = rest.substr(0, n), pattern = rest.substr(n);
  auto t = tokens(pattern);
  std::string what = "text " + shown(text) + " LIKE " + shown(pattern);

  if (t) {
    bool expected = reference_like(text, *t);
    if (stowage::detail::like_match(text, pattern) != expected)
      fuzz::finding("detail::like_match differs from the reference (" + std::to_string(expected) + "): " + what);
  }

  static stowage::database<stowage::sqlite> db(":memory:");
  static auto notes = db.table<fuzz::note>();
  fuzz::only_stowage_errors([&] { notes.put({1, std::string(text)}); });
  try {
    auto found = notes.count(where<&fuzz::note::text>.like(pattern));
    if (!t) fuzz::finding("a pattern ending in an unpaired backslash was not refused: " + what);
    if ((found == 1) != reference_like(text, *t))
      fuzz::finding("sqlite's LIKE differs from the reference (" + std::to_string(found) + "): " + what);
  } catch (const stowage::bad_input_error& e) {
    if (t) fuzz::finding("a valid pattern was refused: " + what + ": " + e.what());
  } catch (const std::exception& e) {
    fuzz::finding("sqlite's LIKE failed: " + what + ": " + e.what());
  }
  return 0;
}
