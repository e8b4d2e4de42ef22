// Differential test: random sequences of operations run on every backend and on the memory
// backend, the oracle, in lockstep; every result and every error kind must be the same. A
// sequence that differs is shrunk (operations are dropped while it still differs) and printed
// with the command that replays it.
//
// Usage: differential [--sequences N] [--pg-sequences N] [--ops N] [--first-seed S]
//                     [--seed S] [--backend NAME] [--only I,J,...] [--no-shrink]
//   --sequences      sequences per embedded backend (default 200)
//   --pg-sequences   sequences on postgres, when STOWAGE_TEST_PG_URL is set (default 50)
//   --ops            operations per sequence (default 300)
//   --first-seed     the seed of the first sequence; the next ones count up (default: random,
//                    printed)
//   --seed           runs the one sequence of this seed (on --backend, or on every backend)
//   --only           with --seed: keeps only these operations of the sequence (a shrunk one)
// Backends: sqlite-memory, sqlite-file, json_dir, postgres.
#include <stowage/json.hpp>
#include <stowage/json_dir.hpp>
#include <stowage/sqlite.hpp>
#ifdef STOWAGE_TEST_POSTGRES
#include <stowage/postgres.hpp>
#endif

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../conformance/backends.hpp"

namespace diff {

// The record: a string key, and a field of each kind a query can look at. tag is unique (writes
// collide on it), label is unique and optional (NULLs never collide).
struct row {
  // clang-format off
  BOOST_HANA_DEFINE_STRUCT(row,
    (std::string, id),
    (std::int64_t, n),
    (std::optional<double>, x),
    (std::string, tag),
    (std::optional<std::string>, label),
    (bool, flag),
    (stowage::timestamp, at),
    (nlohmann::json, doc));
  // clang-format on
};

}  // namespace diff

template <>
struct stowage::record_traits<diff::row> {
  static constexpr std::string_view table = "diff_rows";
  using indexes =
      std::tuple<stowage::unique<&diff::row::tag>, stowage::unique<&diff::row::label>, stowage::index<&diff::row::n>>;
};

namespace diff {

using stowage::where;

// ---------------------------------------------------------------------------------------------
// Values. Strings are hostile: NUL bytes, invalid UTF-8, quotes, backslashes, LIKE's own
// characters, emoji, long ones; a few plain ones make collisions (same key, same tag) likely.

const std::vector<std::string>& hostile_strings() {
  static const std::vector<std::string> s = {"a",
                                             "b",
                                             "ab",
                                             "abc",
                                             "B",
                                             "",
                                             "a%b",
                                             "a_b",
                                             "%",
                                             "_",
                                             "\\",
                                             "a\\%",
                                             "a\\",
                                             "'",
                                             "\"",
                                             "O'Reilly",
                                             "it's \"quoted\"",
                                             std::string("a\0b", 3),
                                             std::string("\0", 1),
                                             "\xff\xfe",
                                             "a\xc3",
                                             "é",
                                             "e\xcc\x81",
                                             "\xf0\x9f\x98\x80",
                                             "\xf0\x9f\x98\x80%",
                                             "a b",
                                             "../x",
                                             ".",
                                             "^A",
                                             "%41",
                                             "Ab",
                                             "ab\n",
                                             std::string(300, 'x'),
                                             std::string(300, 'x') + "y",
                                             "\x7f",
                                             "null",
                                             "DROP TABLE diff_rows; --"};
  return s;
}

const std::vector<double>& doubles() {
  static const std::vector<double> d = {0.0,
                                        -0.0,
                                        1.5,
                                        -2.25,
                                        0.1,
                                        1e300,
                                        -1e-300,
                                        5e-324,
                                        std::numeric_limits<double>::max(),
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<double>::quiet_NaN(),
                                        3.0,
                                        -1.0};
  return d;
}

const std::vector<std::int64_t>& integers() {
  static const std::vector<std::int64_t> i = {
      0, 1, -1, 2, 3, 7, 42, -42, std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()};
  return i;
}

// Whether s is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80                ? 0
                    : c >= 0xc2 && c < 0xe0 ? 1
                    : c >= 0xe0 && c < 0xf0 ? 2
                    : c >= 0xf0 && c < 0xf5 ? 3
                                            : 9;
    if (n == 9 || i + n >= s.size() + (n == 0)) return false;
    std::uint32_t cp = n == 0 ? c : c & (0x3f >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b >> 6) != 2) return false;
      cp = cp << 6 | (b & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    i += n + 1;
  }
  return true;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// Printable, one line: bytes outside printable ASCII as \xNN.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 40) out = out.substr(0, 20) + "...(" + std::to_string(s.size()) + " bytes)\"";
  return out + "\"";
}

std::string show(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", d);  // exact, and -0 differs from 0
  return buf;
}

std::string show(const nlohmann::json& j) { return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace); }

std::string show(const row& r) {
  std::string s = "{" + quote(r.id) + " n=" + std::to_string(r.n) + " x=" + (r.x ? show(*r.x) : "null") +
                  " tag=" + quote(r.tag) + " label=" + (r.label ? quote(*r.label) : "null") +
                  " flag=" + (r.flag ? "1" : "0") + " at=" + std::to_string(r.at.time_since_epoch().count()) +
                  " doc=" + show(r.doc) + "}";
  return s;
}

// ---------------------------------------------------------------------------------------------
// Operations, as data: a sequence is generated from a seed, printed, replayed, and shrunk by
// dropping operations.

enum class kind {
  put,
  insert,
  update,
  erase,
  get,
  put_many,
  get_many,
  clear,
  query,
  count,
  exists,
  first,
  scan_and_write,  // a query loop that writes while it runs: the loop sees a snapshot
  erase_where,     // table.erase(pred): how many
  update_where,    // table.update(pred, set<>...): how many; the values are rows[0]'s set_fields
  begin,
  commit,
  rollback,
  reopen  // closes the database and opens it again (persistent backends; the others keep theirs)
};

const char* name_of(kind k) {
  switch (k) {
    case kind::put: return "put";
    case kind::insert: return "insert";
    case kind::update: return "update";
    case kind::erase: return "erase";
    case kind::get: return "get";
    case kind::put_many: return "put_many";
    case kind::get_many: return "get_many";
    case kind::clear: return "clear";
    case kind::query: return "query";
    case kind::count: return "count";
    case kind::exists: return "exists";
    case kind::first: return "first";
    case kind::scan_and_write: return "scan_and_write";
    case kind::erase_where: return "erase_where";
    case kind::update_where: return "update_where";
    case kind::begin: return "begin";
    case kind::commit: return "commit";
    case kind::rollback: return "rollback";
    case kind::reopen: return "reopen";
  }
  return "?";
}

enum field_id { f_id, f_n, f_x, f_tag, f_label, f_flag, f_at };

struct order_term {
  field_id field;
  bool desc;
};

struct operation {
  kind k;
  std::vector<row> rows;
  std::vector<std::string> keys;
  std::function<stowage::predicate<row>()> pred;  // empty: no predicate
  std::string pred_text;
  std::vector<std::string> pred_strings;  // the text values the predicate holds
  std::vector<order_term> order;
  std::optional<std::uint64_t> limit, offset;
  std::vector<field_id> set_fields;  // update_where: the fields set, to rows[0]'s values
};

const char* field_name(field_id f) {
  static const char* names[] = {"id", "n", "x", "tag", "label", "flag", "at"};
  return names[f];
}

std::string show(const operation& o) {
  std::string s = name_of(o.k);
  for (field_id f : o.set_fields) s += std::string(" set ") + field_name(f);
  if (!o.set_fields.empty()) s += " from";
  for (const row& r : o.rows) s += " " + show(r);
  for (const std::string& k : o.keys) s += " " + quote(k);
  if (o.pred) s += " where " + o.pred_text;
  for (const order_term& t : o.order) s += std::string(" order_by ") + field_name(t.field) + (t.desc ? " desc" : "");
  if (o.offset) s += " offset " + std::to_string(*o.offset);
  if (o.limit) s += " limit " + std::to_string(*o.limit);
  return s;
}

class generator {
 public:
  explicit generator(std::uint64_t seed) : rng_(seed) {}

  std::vector<operation> sequence(int length) {
    std::vector<operation> ops;
    int depth = 0;
    for (int i = 0; i < length; ++i) {
      operation o = next(depth);
      if (o.k == kind::begin) ++depth;
      if (o.k == kind::commit || o.k == kind::rollback) --depth;
      ops.push_back(std::move(o));
    }
    return ops;
  }

 private:
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  bool chance(int percent) { return pick(100) < static_cast<std::size_t>(percent); }
  template <class T>
  const T& one_of(const std::vector<T>& v) {
    return v[pick(v.size())];
  }

  // keys: mostly a small pool, so that writes meet existing records; sometimes hostile
  std::string key() {
    if (chance(80)) return "k" + std::to_string(pick(12));
    return one_of(hostile_strings());
  }
  std::string text() { return chance(50) ? "t" + std::to_string(pick(8)) : one_of(hostile_strings()); }
  std::string safe_text() { return "t" + std::to_string(pick(8)); }
  double real() { return chance(30) ? static_cast<double>(static_cast<int>(pick(9)) - 4) * 0.5 : one_of(doubles()); }
  std::int64_t integer() { return chance(50) ? static_cast<std::int64_t>(pick(21)) - 10 : one_of(integers()); }
  stowage::timestamp time() {
    static const std::int64_t fixed[] = {0, -1, 1, 1'700'000'000'000'000, -86'400'000'000, 253'402'300'799'999'999};
    if (chance(70))
      return stowage::timestamp(std::chrono::microseconds(static_cast<std::int64_t>(pick(5)) * 1'000'000));
    return stowage::timestamp(std::chrono::microseconds(fixed[pick(std::size(fixed))]));
  }
  nlohmann::json document() {
    switch (pick(10)) {
      case 0: return nullptr;
      case 1: return static_cast<std::int64_t>(pick(5));
      case 2: return real();  // NaN and the infinities included
      case 3: return text();  // invalid UTF-8 included
      case 4: return nlohmann::json::array({1, "two", nullptr});
      case 5: return {{"k", static_cast<int>(pick(3))}, {"s", text()}};
      case 6: return -0.0;
      case 7: return true;
      case 8: return nlohmann::json::object();
      default: return "plain";
    }
  }
  // JSON-path material: names that matter to pointers (escapes, names that look like indexes,
  // non-ASCII) and scalars of every kind, numbers of both types near each other
  const std::vector<std::string>& json_names() {
    static const std::vector<std::string> n = {"v", "a", "b", "0", "1", "01", "-1", "a/b", "m~n", "\xc3\xa9", ""};
    return n;
  }
  // mostly a few names, so that pointers often lead somewhere in the documents
  const std::string& json_name() {
    const auto& n = json_names();
    return chance(75) ? n[pick(3)] : one_of(n);
  }
  nlohmann::json json_scalar() {
    static const std::vector<std::string> texts = {"a", "b", "1", "17", "", "\xc3\xa9", "A"};
    switch (pick(8)) {
      case 0: return nullptr;
      case 1: return chance(50);
      case 2:
      case 3: return static_cast<std::int64_t>(pick(6)) - 2;
      case 4: return static_cast<double>(static_cast<int>(pick(9)) - 4) * 0.5;  // 1.0 next to 1
      default: return one_of(texts);
    }
  }
  nlohmann::json json_document(int depth) {
    std::size_t k = depth >= 3 ? 0 : pick(4);
    if (k <= 1) return json_scalar();
    if (k == 2) {
      auto a = nlohmann::json::array();
      for (std::size_t i = 0, n = pick(4); i < n; ++i) a.push_back(json_document(depth + 1));
      return a;
    }
    auto o = nlohmann::json::object();
    for (std::size_t i = 0, n = pick(4); i < n; ++i) o[json_name()] = json_document(depth + 1);
    return o;
  }
  row record() {
    row r;
    r.id = key();
    r.n = integer();
    if (chance(80)) r.x = real();
    r.tag = chance(70) ? "g" + std::to_string(pick(10)) : text();
    if (chance(50)) r.label = chance(70) ? "l" + std::to_string(pick(6)) : text();
    r.flag = chance(50);
    r.at = time();
    if (chance(40))
      r.doc = nlohmann::json{{"v", static_cast<int>(pick(4))}};
    else if (chance(60))
      r.doc = json_document(0);
    else
      r.doc = document();
    return r;
  }
  // a record whose values every backend stores (written inside a query loop)
  row safe_record() {
    row r = record();
    r.id = "k" + std::to_string(pick(12));
    r.x = static_cast<double>(pick(5));
    r.tag = "g" + std::to_string(pick(10));
    r.label = std::nullopt;
    r.doc = nlohmann::json{{"v", 1}};
    return r;
  }

  // a LIKE pattern from pieces that matter to LIKE: wildcards, escapes, NUL, multi-byte
  std::string pattern() {
    if (chance(30)) return one_of(hostile_strings());
    static const std::vector<std::string> pieces = {
        "a", "b", "%", "_", "\\", "\\%", "\\_", std::string("\0", 1), "\xc3\xa9", "\xff", "k", "1", "t", "g"};
    std::string p;
    for (std::size_t i = 0, n = pick(5); i < n; ++i) p += one_of(pieces);
    return p;
  }

  using built = std::pair<std::function<stowage::predicate<row>()>, std::string>;

  built string_predicate(operation& o, field_id f, std::string v) {
    o.pred_strings.push_back(v);
    std::string name = field_name(f), q = quote(v);
    auto make = [f](auto&& cmp) -> std::function<stowage::predicate<row>()> {
      switch (f) {
        case f_id: return [cmp] { return cmp(where<&row::id>); };
        case f_tag: return [cmp] { return cmp(where<&row::tag>); };
        default: return [cmp] { return cmp(where<&row::label>); };
      }
    };
    switch (pick(9)) {
      case 0: return {make([v](auto w) { return w == v; }), name + " == " + q};
      case 1: return {make([v](auto w) { return w != v; }), name + " != " + q};
      case 2: return {make([v](auto w) { return w < v; }), name + " < " + q};
      case 3: return {make([v](auto w) { return w >= v; }), name + " >= " + q};
      case 4: {
        std::string v2 = f == f_id ? key() : text();
        o.pred_strings.push_back(v2);
        return {make([v, v2](auto w) {
                  return w.in(std::vector<std::string>{v, v2});
                }),
                name + " in {" + q + ", " + quote(v2) + "}"};
      }
      case 5: return {make([v](auto w) { return w.starts_with(v); }), name + ".starts_with(" + q + ")"};
      case 6: return {make([v](auto w) { return w.contains(v); }), name + ".contains(" + q + ")"};
      case 7: {
        // ASCII letters in either case, to give the folding something to do
        std::string u = v;
        for (char& c : u)
          if (c >= 'a' && c <= 'z' && chance(50)) c = static_cast<char>(c - 'a' + 'A');
        o.pred_strings.back() = u;
        return {make([u](auto w) { return w.icontains(u); }), name + ".icontains(" + quote(u) + ")"};
      }
      default: {
        // a LIKE pattern is compared as bytes on every backend (postgres: bytea LIKE), so any
        // bytes are fine in it: it is not one of the text values postgres refuses
        std::string p = pattern();
        o.pred_strings.pop_back();
        return {make([p](auto w) { return w.like(p); }), name + ".like(" + quote(p) + ")"};
      }
    }
  }

  // a test inside the JSON field: a random pointer, comparison and value
  built json_predicate() {
    std::vector<std::string> tokens;
    std::string pointer;
    for (std::size_t i = 0, n = pick(4); i < n; ++i) {
      tokens.push_back(json_name());
      pointer += '/';
      for (char c : tokens.back()) pointer += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    }
    nlohmann::json v = json_scalar(), w = json_scalar();
    std::string at = "doc.at(" + quote(pointer) + ")", sv = show(v), sw = show(w);
    switch (pick(8)) {
      case 0: return {[pointer, v] { return where<&row::doc>.at(pointer) == v; }, at + " == " + sv};
      case 1: return {[pointer, v] { return where<&row::doc>.at(pointer) != v; }, at + " != " + sv};
      case 2: return {[pointer, v] { return where<&row::doc>.at(pointer) < v; }, at + " < " + sv};
      case 3: return {[pointer, v] { return where<&row::doc>.at(pointer) <= v; }, at + " <= " + sv};
      case 4: return {[pointer, v] { return where<&row::doc>.at(pointer) > v; }, at + " > " + sv};
      case 5: return {[pointer, v] { return where<&row::doc>.at(pointer) >= v; }, at + " >= " + sv};
      case 6:
        return {[pointer, v, w] {
                  return where<&row::doc>.at(pointer).in({v, w});
                },
                at + ".in({" + sv + ", " + sw + "})"};
      default: return {[pointer] { return where<&row::doc>.at(pointer).exists(); }, at + ".exists()"};
    }
  }

  built predicate(operation& o, int depth) {
    std::size_t k = depth > 2 ? pick(8) : pick(11);
    if (k == 7) return json_predicate();
    if (k > 7) --k;
    switch (k) {
      case 0: return string_predicate(o, f_id, key());
      case 1: return string_predicate(o, chance(70) ? f_tag : f_label, text());
      case 2: {
        std::int64_t v = integer();
        std::string s = std::to_string(v);
        switch (pick(5)) {
          case 0: return {[v] { return where<&row::n> < v; }, "n < " + s};
          case 1: return {[v] { return where<&row::n> >= v; }, "n >= " + s};
          case 2: return {[v] { return where<&row::n> == v; }, "n == " + s};
          case 3: return {[v] { return where<&row::n> != v; }, "n != " + s};
          default: {
            std::int64_t w = integer();
            return {[v, w] { return where<&row::n>.in({v, w}); }, "n in {" + s + ", " + std::to_string(w) + "}"};
          }
        }
      }
      case 3: {
        double v = real();
        std::string s = show(v);
        switch (pick(5)) {
          case 0: return {[v] { return where<&row::x> < v; }, "x < " + s};
          case 1: return {[v] { return where<&row::x> >= v; }, "x >= " + s};
          case 2: return {[v] { return where<&row::x> == v; }, "x == " + s};
          case 3: return {[v] { return where<&row::x> != v; }, "x != " + s};
          default: return {[] { return where<&row::x>.is_null(); }, "x.is_null()"};
        }
      }
      case 4: {
        if (chance(50)) return {[] { return where<&row::label>.is_null(); }, "label.is_null()"};
        bool b = chance(50);
        return {[b] { return where<&row::flag> == b; }, std::string("flag == ") + (b ? "true" : "false")};
      }
      case 5: {
        stowage::timestamp t = time();
        std::string s = std::to_string(t.time_since_epoch().count());
        if (chance(50)) return {[t] { return where<&row::at> < t; }, "at < " + s};
        return {[t] { return where<&row::at> >= t; }, "at >= " + s};
      }
      case 6: return string_predicate(o, f_tag, pattern());
      case 7: {
        auto [a, ta] = predicate(o, depth + 1);
        auto [b, tb] = predicate(o, depth + 1);
        auto fa = a, fb = b;  // lambdas capture variables, not bindings (clang 14)
        return {[fa, fb] { return fa() && fb(); }, "(" + ta + " && " + tb + ")"};
      }
      case 8: {
        auto [a, ta] = predicate(o, depth + 1);
        auto [b, tb] = predicate(o, depth + 1);
        auto fa = a, fb = b;
        return {[fa, fb] { return fa() || fb(); }, "(" + ta + " || " + tb + ")"};
      }
      default: {
        auto [a, ta] = predicate(o, depth + 1);
        auto fa = a;
        return {[fa] { return !fa(); }, "!" + ta};
      }
    }
  }

  // a predicate, always (erase and update by predicate take one)
  void where_clause(operation& o) {
    auto [p, text] = predicate(o, 0);
    o.pred = p;
    o.pred_text = text;
  }

  void query_parts(operation& o, bool shaped) {
    if (chance(80)) {
      auto [p, text] = predicate(o, 0);
      o.pred = p;
      o.pred_text = text;
    }
    if (!shaped) return;
    for (std::size_t i = 0, n = pick(3); i < n; ++i)
      o.order.push_back({static_cast<field_id>(1 + pick(6)), chance(50)});
    if (chance(30)) o.limit = pick(6);
    if (chance(20)) o.offset = pick(6);
  }

  operation next(int depth) {
    operation o{};
    std::size_t r = pick(100);
    if (r < 18) {
      o.k = kind::put;
      o.rows.push_back(record());
    } else if (r < 26) {
      o.k = kind::insert;
      o.rows.push_back(record());
    } else if (r < 34) {
      o.k = kind::update;
      o.rows.push_back(record());
    } else if (r < 40) {
      o.k = kind::erase;
      o.keys.push_back(key());
    } else if (r < 46) {
      o.k = kind::get;
      o.keys.push_back(key());
    } else if (r < 52) {
      o.k = kind::put_many;
      for (std::size_t i = 0, n = pick(6); i < n; ++i) o.rows.push_back(record());
    } else if (r < 56) {
      o.k = kind::get_many;
      for (std::size_t i = 0, n = pick(5); i < n; ++i) o.keys.push_back(key());
    } else if (r < 57) {
      o.k = kind::clear;
    } else if (r < 59) {
      o.k = kind::erase_where;
      where_clause(o);
    } else if (r < 62) {
      o.k = kind::update_where;
      where_clause(o);
      o.rows.push_back(record());
      // one field, sometimes two (never the key, never one twice)
      static constexpr field_id settable[] = {f_n, f_x, f_tag, f_label, f_flag, f_at};
      o.set_fields.push_back(settable[pick(std::size(settable))]);
      if (chance(40)) o.set_fields.push_back(o.set_fields[0] == f_n ? f_flag : f_n);
    } else if (r < 71) {
      o.k = kind::query;
      query_parts(o, true);
    } else if (r < 77) {
      o.k = kind::count;
      query_parts(o, true);
    } else if (r < 79) {
      o.k = kind::exists;
      query_parts(o, false);
    } else if (r < 82) {
      o.k = kind::first;
      query_parts(o, true);
    } else if (r < 85) {
      o.k = kind::scan_and_write;
      query_parts(o, false);
      o.rows.push_back(safe_record());
      o.keys.push_back("k" + std::to_string(pick(12)));
    } else if (r < 91) {
      o.k = depth < 3 ? kind::begin : kind::commit;
    } else if (r < 95) {
      o.k = depth > 0 ? kind::commit : kind::begin;
    } else if (r < 98) {
      o.k = depth > 0 ? kind::rollback : kind::get;
      if (o.k == kind::get) o.keys.push_back(key());
    } else {
      o.k = kind::reopen;
    }
    return o;
  }

  std::mt19937_64 rng_;
};

// ---------------------------------------------------------------------------------------------
// The backends, and what each refuses by design. This is the one place that knows the
// documented differences: where a backend refuses a value, it must say bad_input (and write
// nothing), while the oracle goes on without the operation.

enum class backend_id { memory, sqlite_memory, sqlite_file, json_dir, postgres };

const char* name_of(backend_id b) {
  switch (b) {
    case backend_id::memory: return "memory";
    case backend_id::sqlite_memory: return "sqlite-memory";
    case backend_id::sqlite_file: return "sqlite-file";
    case backend_id::json_dir: return "json_dir";
    case backend_id::postgres: return "postgres";
  }
  return "?";
}

std::vector<std::string> written_text(const operation& o) {
  std::vector<std::string> out;
  if (o.k == kind::scan_and_write) return out;  // its record is safe everywhere
  if (o.k == kind::update_where) {              // only the fields it sets
    const row& r = o.rows[0];
    for (field_id f : o.set_fields) {
      if (f == f_tag) out.push_back(r.tag);
      if (f == f_label && r.label) out.push_back(*r.label);
    }
    return out;
  }
  for (const row& r : o.rows) {
    out.push_back(r.id);
    out.push_back(r.tag);
    if (r.label) out.push_back(*r.label);
  }
  return out;
}

// Whether a JSON document holds a NUL character in a string or a key.
bool json_has_nul(const nlohmann::json& j) {
  if (j.is_string()) return has_nul(j.get_ref<const std::string&>());
  if (j.is_object())
    for (const auto& [k, v] : j.items())
      if (has_nul(k) || json_has_nul(v)) return true;
  if (j.is_array())
    for (const auto& v : j)
      if (json_has_nul(v)) return true;
  return false;
}

bool refused_by_design(backend_id b, const operation& o) {
  auto any = [](const std::vector<std::string>& v, auto&& bad) { return std::any_of(v.begin(), v.end(), bad); };
  auto invalid = [](const std::string& s) { return !valid_utf8(s); };
  auto not_for_postgres = [](const std::string& s) { return has_nul(s) || !valid_utf8(s); };
  switch (b) {
    case backend_id::postgres:
      // README: PostgreSQL text holds neither NUL bytes nor invalid UTF-8, in values written
      // and in values compared (keys and predicate values are text too)
      // (and jsonb refuses \u0000 in a document)
      return any(written_text(o), not_for_postgres) || any(o.keys, not_for_postgres) ||
             any(o.pred_strings, not_for_postgres) ||
             (o.k != kind::update_where &&
              std::any_of(o.rows.begin(), o.rows.end(), [](const row& r) { return json_has_nul(r.doc); }));
    case backend_id::json_dir:
      // JSON files hold UTF-8 text only (a key is a file name, encoded: any bytes)
      return any(written_text(o), invalid);
    default: return false;
  }
}

// README, put_many: all or none on every backend, and when a batch holds several records that
// would fail, which failure is reported is not specified (memory checks the records in order,
// postgres validates them all before sending any). Both must refuse the batch; that nothing was
// stored shows in the operations that follow and in the end state.
bool refused_batch(const std::string& result) {
  return result == "error: bad input" || result == "error: constraint violated" || result == "error: conflict";
}

// A JSON number -0.0 made 0.0, everywhere in a document.
void without_negative_zero(nlohmann::json& j) {
  if (j.is_number_float() && j.get<double>() == 0.0) j = 0.0;
  if (j.is_structured())
    for (auto& v : j) without_negative_zero(v);
}

// The operation as the oracle must see it to give the backend's documented answer: README,
// PostgreSQL jsonb numbers are numeric, which has no negative zero (-0.0 in a JSON field is read
// back as 0.0; a double field keeps its sign).
operation as_documented_for(backend_id b, const operation& o) {
  operation copy = o;
  if (b == backend_id::postgres)
    for (row& r : copy.rows) without_negative_zero(r.doc);
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Running a sequence on one backend. Every operation yields one line: its result, or the kind
// of error it raised.

std::filesystem::path scratch_root() {
  // a RAM file system when there is one: json_dir and sqlite flush every write
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

template <class Backend>
class runner {
 public:
  runner(backend_id id, std::string url, bool persistent) : id_(id), url_(std::move(url)), persistent_(persistent) {
    open();
  }
  ~runner() {
    while (!txs_.empty()) txs_.pop_back();
  }

  std::string apply(const operation& o) {
    try {
      return run(o);
    } catch (const stowage::error& e) {
      message = e.what();
      return std::string("error: ") + std::string(to_string(e.kind()));
    } catch (const std::logic_error& e) {
      return std::string("logic_error: ") + e.what();
    } catch (const std::exception& e) {
      return std::string("foreign exception (only stowage::error may leave the library): ") + e.what();
    }
  }

  std::string message;  // what() of the last error, for the report

  // every record, in key order: the state the sequence ends in
  std::string contents() {
    std::string out;
    for (const row& r : table().query().order_by(stowage::field<&row::id>)) out += show(r) + "\n";
    return out;
  }

 private:
  void open() {
    db_.reset();
    db_ = std::make_unique<stowage::database<Backend>>(url_);
    table_.reset();
  }
  stowage::table<row, Backend>& table() {
    if (!table_) table_.emplace(db_->template table<row>());
    return *table_;
  }

  template <class Q>
  static Q shaped(Q q, const operation& o) {
    for (const order_term& t : o.order) {
      auto d = t.desc ? stowage::desc : stowage::asc;
      switch (t.field) {
        case f_id: q = q.order_by(stowage::field<&row::id>, d); break;
        case f_n: q = q.order_by(stowage::field<&row::n>, d); break;
        case f_x: q = q.order_by(stowage::field<&row::x>, d); break;
        case f_tag: q = q.order_by(stowage::field<&row::tag>, d); break;
        case f_label: q = q.order_by(stowage::field<&row::label>, d); break;
        case f_flag: q = q.order_by(stowage::field<&row::flag>, d); break;
        case f_at: q = q.order_by(stowage::field<&row::at>, d); break;
      }
    }
    // the key breaks ties, so that a limited or ordered result is one answer
    if (!o.order.empty() || o.limit || o.offset || o.k == kind::first) q = q.order_by(stowage::field<&row::id>);
    if (o.offset) q = q.offset(*o.offset);
    if (o.limit) q = q.limit(*o.limit);
    return q;
  }
  auto make_query(const operation& o) {
    auto q = o.pred ? table().query(o.pred()) : table().query();
    return shaped(q, o);
  }

  std::string run(const operation& o) {
    auto& t = table();
    switch (o.k) {
      case kind::put: t.put(o.rows[0]); return "ok";
      case kind::insert: t.insert(o.rows[0]); return "ok";
      case kind::update: t.update(o.rows[0]); return "ok";
      case kind::erase: return t.erase(o.keys[0]) ? "erased" : "none";
      case kind::get: {
        auto r = t.get(o.keys[0]);
        return r ? show(*r) : "none";
      }
      case kind::put_many: t.put_many(o.rows); return "ok";
      case kind::get_many: {
        std::string out;
        for (const auto& r : t.get_many(o.keys)) out += (r ? show(*r) : "none") + ";";
        return out;
      }
      case kind::clear: t.clear(); return "ok";
      case kind::query: {
        std::vector<std::string> rows;
        for (const row& r : make_query(o)) rows.push_back(show(r));
        // without an order the backend may yield any order
        if (o.order.empty() && !o.limit && !o.offset) std::sort(rows.begin(), rows.end());
        std::string out = std::to_string(rows.size()) + " rows:";
        for (const auto& r : rows) out += " " + r;
        return out;
      }
      case kind::erase_where: return std::to_string(t.erase(o.pred())) + " erased";
      case kind::update_where: return std::to_string(update_where(t, o)) + " updated";
      case kind::count: return std::to_string(make_query(o).count());
      case kind::exists: return make_query(o).exists() ? "yes" : "no";
      case kind::first: {
        auto r = make_query(o).first();
        return r ? show(*r) : "none";
      }
      case kind::scan_and_write: {
        std::string out;
        bool wrote = false;
        for (const row& r : make_query(o).order_by(stowage::field<&row::id>)) {
          out += quote(r.id) + " ";
          if (!wrote) {
            wrote = true;
            out += "[put " + apply_inner([&] { t.put(o.rows[0]); }) + ", erase " +
                   apply_inner([&] { t.erase(o.keys[0]); }) + "] ";
          }
        }
        return out;
      }
      case kind::begin: txs_.push_back(db_->transaction()); return "ok";
      case kind::commit:
      case kind::rollback: {
        if (txs_.empty()) return "no transaction";
        auto tx = std::move(txs_.back());
        txs_.pop_back();
        if (o.k == kind::commit)
          tx.commit();
        else
          tx.rollback();
        return "ok";
      }
      case kind::reopen:
        // inside a transaction, or on a store that lives in memory, there is nothing to reopen
        if (!txs_.empty() || !persistent_) return "ok";
        open();
        return "ok";
    }
    return "?";
  }

  // t.update(pred, set<first field>, [set<second field>]): the first chosen at run time
  static std::uint64_t update_where(stowage::table<row, Backend>& t, const operation& o) {
    const row& v = o.rows[0];
    auto with_first = [&](auto... second) -> std::uint64_t {
      switch (o.set_fields[0]) {
        case f_n: return t.update(o.pred(), stowage::set<&row::n>(v.n), second...);
        case f_x: return t.update(o.pred(), stowage::set<&row::x>(v.x), second...);
        case f_tag: return t.update(o.pred(), stowage::set<&row::tag>(v.tag), second...);
        case f_label: return t.update(o.pred(), stowage::set<&row::label>(v.label), second...);
        case f_flag: return t.update(o.pred(), stowage::set<&row::flag>(v.flag), second...);
        default: return t.update(o.pred(), stowage::set<&row::at>(v.at), second...);
      }
    };
    if (o.set_fields.size() == 1) return with_first();
    if (o.set_fields[1] == f_n) return with_first(stowage::set<&row::n>(v.n));
    return with_first(stowage::set<&row::flag>(v.flag));
  }

  template <class F>
  static std::string apply_inner(F&& f) {
    try {
      f();
      return "ok";
    } catch (const stowage::error& e) {
      return std::string("error: ") + std::string(to_string(e.kind()));
    }
  }

  backend_id id_;
  std::string url_;
  bool persistent_;
  std::unique_ptr<stowage::database<Backend>> db_;
  std::optional<stowage::table<row, Backend>> table_;
  std::vector<stowage::transaction<Backend>> txs_;
};

struct mismatch {
  std::size_t index;  // of the operation in the sequence run, or the sequence's size for the end state
  std::string expected, got;
  std::string message;  // what() of the backend's error, if it raised one
};

// one fresh store on a backend, removed afterwards
struct fixture {
  backend_id id;
  std::filesystem::path dir;
  std::string url;
  bool persistent = false;
#ifdef STOWAGE_TEST_POSTGRES
  std::unique_ptr<conformance::postgres_server> pg;
#endif
  explicit fixture(backend_id b) : id(b) {
    static int counter = 0;
    dir = scratch_root() / ("stowage-diff-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    switch (b) {
      case backend_id::memory: url = "memory:"; break;
      case backend_id::sqlite_memory: url = ":memory:"; break;
      case backend_id::sqlite_file:
        // synchronous=off: the test is about meaning, not durability; the crash tests do that
        url = "file:" + (dir / "store.db").string() + "?synchronous=off";
        persistent = true;
        break;
      case backend_id::json_dir:
        url = "dir:" + (dir / "store").string();
        persistent = true;
        break;
      case backend_id::postgres:
#ifdef STOWAGE_TEST_POSTGRES
        pg = std::make_unique<conformance::postgres_server>();
        url = pg->url();
        persistent = true;
#endif
        break;
    }
  }
  ~fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

template <class Backend>
std::optional<mismatch> run_on(backend_id b, const std::vector<operation>& ops) {
  fixture oracle_store(backend_id::memory), store(b);
  runner<stowage::memory> oracle(backend_id::memory, oracle_store.url, false);
  runner<Backend> subject(b, store.url, store.persistent);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const operation& o = ops[i];
    if (refused_by_design(b, o)) {
      // the backend refuses the value: bad_input, unless the oracle raised an error of its own
      // (then either error is right: the value is refused and nothing is written either way)
      std::string got = subject.apply(o);
      if (got == "error: bad input") continue;
      std::string expected = oracle.apply(as_documented_for(b, o));
      if (got == expected && expected.starts_with("error: ")) continue;
      return mismatch{i, "error: bad input (refused by design on " + std::string(name_of(b)) + ")", got,
                      subject.message};
    }
    std::string expected = oracle.apply(as_documented_for(b, o));
    std::string got = subject.apply(o);
    if (o.k == kind::put_many && refused_batch(expected) && refused_batch(got)) continue;
    if (got != expected) return mismatch{i, expected, got, got.starts_with("error") ? subject.message : ""};
  }
  // the state the sequence ends in (inside the transactions still open)
  std::string expected = oracle.contents(), got = subject.contents();
  if (got != expected) return mismatch{ops.size(), expected, got, {}};
  return std::nullopt;
}

std::optional<mismatch> run_sequence(backend_id b, const std::vector<operation>& ops) {
  switch (b) {
    case backend_id::memory: return run_on<stowage::memory>(b, ops);
    case backend_id::sqlite_memory:
    case backend_id::sqlite_file: return run_on<stowage::sqlite>(b, ops);
    case backend_id::json_dir: return run_on<stowage::json_dir>(b, ops);
    case backend_id::postgres:
#ifdef STOWAGE_TEST_POSTGRES
      return run_on<stowage::postgres>(b, ops);
#else
      break;
#endif
  }
  return std::nullopt;
}

}  // namespace diff

namespace {

using namespace diff;

struct options {
  int sequences = 200;
  int pg_sequences = 50;
  int ops = 300;
  std::optional<std::uint64_t> first_seed, seed;
  std::optional<backend_id> backend;
  std::optional<std::vector<std::size_t>> only;
  bool shrink = true;
};

std::optional<backend_id> backend_named(std::string_view s) {
  for (auto b : {backend_id::sqlite_memory, backend_id::sqlite_file, backend_id::json_dir, backend_id::postgres})
    if (s == name_of(b)) return b;
  return std::nullopt;
}

bool postgres_available() {
#ifdef STOWAGE_TEST_POSTGRES
  const char* url = std::getenv("STOWAGE_TEST_PG_URL");
  return url && *url;
#else
  return false;
#endif
}

std::vector<operation> subset(const std::vector<operation>& all, const std::vector<std::size_t>& keep) {
  std::vector<operation> out;
  for (std::size_t i : keep)
    if (i < all.size()) out.push_back(all[i]);
  return out;
}

// A mismatch, or an exception outside any one operation (opening a store, reading the end state).
std::optional<mismatch> attempt(backend_id b, const std::vector<operation>& ops) {
  try {
    return run_sequence(b, ops);
  } catch (const std::exception& e) {
    return mismatch{ops.size(), "no exception", std::string("exception outside an operation: ") + e.what(), {}};
  }
}

// Drops operations (halves, then quarters, ..., then one at a time) while the sequence still
// differs at an operation of the same kind (or still in its end state); returns the indices kept.
std::vector<std::size_t> shrink(backend_id b, const std::vector<operation>& all, std::size_t failing_at) {
  auto kind_at = [&](const std::vector<std::size_t>& keep, std::size_t i) {
    return i < keep.size() ? static_cast<int>(all[keep[i]].k) : -1;
  };
  std::vector<std::size_t> keep;
  for (std::size_t i = 0; i <= failing_at && i < all.size(); ++i) keep.push_back(i);
  const int target = kind_at(keep, failing_at < all.size() ? keep.size() - 1 : keep.size());
  auto start_time = std::chrono::steady_clock::now();
  int runs = 0;
  auto still_fails = [&](std::vector<std::size_t>& candidate) {
    ++runs;
    auto m = attempt(b, subset(all, candidate));
    if (!m || kind_at(candidate, m->index) != target) return false;
    if (m->index < candidate.size()) candidate.resize(m->index + 1);  // what follows is not needed
    return true;
  };
  for (std::size_t chunk = std::max<std::size_t>(keep.size() / 2, 1);; chunk /= 2) {
    for (std::size_t start = 0; start < keep.size();) {
      if (runs > 4000 || std::chrono::steady_clock::now() - start_time > std::chrono::seconds(90)) return keep;
      std::vector<std::size_t> candidate(keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(start));
      candidate.insert(candidate.end(),
                       keep.begin() + static_cast<std::ptrdiff_t>(std::min(start + chunk, keep.size())), keep.end());
      if (candidate.size() < keep.size() && still_fails(candidate))
        keep = candidate;
      else
        start += chunk;
    }
    if (chunk == 1) break;
  }
  return keep;
}

std::string joined(const std::vector<std::size_t>& v) {
  std::string s;
  for (std::size_t i : v) s += (s.empty() ? "" : ",") + std::to_string(i);
  return s;
}

void report(const char* program, backend_id b, std::uint64_t seed, const options& opt,
            const std::vector<operation>& all, const mismatch& m) {
  std::string replay = std::string(b == backend_id::postgres ? "scripts/with-pg " : "") + program + " --seed " +
                       std::to_string(seed) + " --backend " + name_of(b) + " --ops " + std::to_string(opt.ops);
  std::cout << "\nDIFFERENCE on " << name_of(b) << ", seed " << seed << ":\n";
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i <= m.index && i < all.size(); ++i) kept.push_back(i);
  if (opt.shrink && !opt.only) kept = shrink(b, all, m.index);
  if (opt.only) kept = *opt.only;
  auto shown = subset(all, kept);
  auto last = attempt(b, shown);
  std::cout << "  " << (opt.shrink && !opt.only ? "shrunk to " : "") << kept.size() << " operations (of " << all.size()
            << "):\n";
  for (std::size_t i = 0; i < kept.size(); ++i) std::cout << "  [" << kept[i] << "] " << show(all[kept[i]]) << "\n";
  const mismatch& d = last ? *last : m;
  std::string where = d.index < kept.size() ? "operation [" + std::to_string(kept[d.index]) + "]" : "the end state";
  std::cout << "  differs at " << where << ":\n    memory (the oracle): " << d.expected << "\n    " << name_of(b)
            << ": " << d.got << "\n";
  if (!d.message.empty()) std::cout << "    " << name_of(b) << " says: " << d.message << "\n";
  std::cout << "  replay: " << replay << " --only " << joined(kept) << "\n";
  std::cout << "  replay the whole sequence (and shrink it again): " << replay << "\n" << std::flush;
}

int usage() {
  std::cerr << "usage: differential [--sequences N] [--pg-sequences N] [--ops N] [--first-seed S] [--seed S] "
               "[--backend sqlite-memory|sqlite-file|json_dir|postgres] [--only I,J,...] [--no-shrink]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    try {
      if (a == "--sequences")
        opt.sequences = std::stoi(value());
      else if (a == "--pg-sequences")
        opt.pg_sequences = std::stoi(value());
      else if (a == "--ops")
        opt.ops = std::stoi(value());
      else if (a == "--first-seed")
        opt.first_seed = std::stoull(value());
      else if (a == "--seed")
        opt.seed = std::stoull(value());
      else if (a == "--backend") {
        opt.backend = backend_named(value());
        if (!opt.backend) return usage();
      } else if (a == "--only") {
        std::vector<std::size_t> v;
        std::stringstream in(value());
        for (std::string part; std::getline(in, part, ',');) v.push_back(std::stoul(part));
        opt.only = v;
      } else if (a == "--no-shrink")
        opt.shrink = false;
      else
        return usage();
    } catch (const std::exception&) {
      return usage();
    }
  }
  if (opt.only && !opt.seed) return usage();

  std::vector<backend_id> backends;
  for (auto b : {backend_id::sqlite_memory, backend_id::sqlite_file, backend_id::json_dir, backend_id::postgres})
    if (!opt.backend || *opt.backend == b) backends.push_back(b);
  if (!postgres_available()) {
    if (opt.backend == backend_id::postgres) {
      std::cerr << "differential: postgres needs STOWAGE_TEST_PG_URL (run it through scripts/with-pg)\n";
      return 2;
    }
    std::erase(backends, backend_id::postgres);
    std::cout << "differential: STOWAGE_TEST_PG_URL is not set; postgres is not tested\n";
  }

  std::uint64_t first = opt.seed         ? *opt.seed
                        : opt.first_seed ? *opt.first_seed
                                         : std::random_device{}() % 1'000'000'000u;  // a new stretch of seeds each run
  std::cout << "differential: " << opt.ops << " operations per sequence, first seed " << first << " (--first-seed "
            << first << " runs the same sequences again)\n";

  int failures = 0;
  for (backend_id b : backends) {
    int count = opt.seed ? 1 : b == backend_id::postgres ? opt.pg_sequences : opt.sequences;
    int failed = 0;
    std::vector<std::string> seen;
    auto start = std::chrono::steady_clock::now();
    for (int s = 0; s < count; ++s) {
      std::uint64_t seed = first + static_cast<std::uint64_t>(s);
      auto all = generator(seed).sequence(opt.ops);
      auto ops = opt.only ? subset(all, *opt.only) : all;
      auto m = attempt(b, ops);
      if (!m) continue;
      ++failed;
      // each kind of difference (the operation, and the shape of both answers) is shrunk and
      // printed once; its repeats are counted
      auto shape = [](const std::string& r) {
        return r.starts_with("error") || r.starts_with("exception") ? r : "a result";
      };
      std::string signature = m->index < ops.size() ? name_of(ops[m->index].k) : "end state";
      signature += ": " + shape(m->expected) + " / " + shape(m->got);
      auto positive_zero = [](std::string r) {
        for (std::size_t p; (p = r.find("-0x0p+0")) != std::string::npos;) r.erase(p, 1);
        return r;
      };
      if (positive_zero(m->expected) == positive_zero(m->got)) signature += " (only the sign of a zero)";
      if (std::find(seen.begin(), seen.end(), signature) == seen.end() && seen.size() < 12) {
        seen.push_back(signature);
        report(argv[0], b, seed, opt, all, *m);
      } else {
        std::cout << "DIFFERENCE on " << name_of(b) << ", seed " << seed << " (" << signature << ", not shrunk)\n";
      }
    }
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "differential: " << name_of(b) << ": " << count - failed << " of " << count
              << " sequences agree with the memory backend (" << seconds << " s)\n"
              << std::flush;
    failures += failed;
  }
  return failures == 0 ? 0 : 1;
}
