// LIKE has one meaning on every backend, bytewise: % any run of bytes, _ one byte, a backslash
// makes the next byte literal; NUL is a byte like any other.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <type_traits>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;
using stowage::where;
using namespace std::string_literals;

namespace {

using ids_t = std::vector<std::int64_t>;

template <class Q>
ids_t sorted_ids(const Q& q) {
  ids_t v;
  for (const item& i : q) v.push_back(i.id);
  std::sort(v.begin(), v.end());
  return v;
}

item named(std::int64_t id, std::string name) {
  return item{id, std::move(name), 0, 0.0, std::nullopt, std::nullopt, true};
}

/// Whether the backend's text holds any bytes. PostgreSQL's text holds valid UTF-8 without NUL
/// only, and refuses anything else as bad input: the one documented difference.
template <class B>
constexpr bool text_holds_any_bytes = B::nul_in_text;
/// Whether it stores text that is not UTF-8: json_dir's files are JSON, which is UTF-8, and
/// PostgreSQL's text is UTF-8; both refuse other text as bad input.
template <class B>
constexpr bool text_holds_invalid_utf8 =
    std::is_same_v<typename B::type, stowage::memory> || std::is_same_v<typename B::type, stowage::sqlite>;

}  // namespace

TEMPLATE_LIST_TEST_CASE("like: _ is one byte, even of a multi-byte UTF-8 character", "[conformance][query][like]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  t.put_many(std::vector<item>{named(1, "apple"), named(2, "ápple"), named(3, "é"), named(4, "日本")});

  CHECK(sorted_ids(t.query(where<&item::name>.like("_pple"))) == ids_t{1});
  CHECK(sorted_ids(t.query(where<&item::name>.like("__pple"))) == ids_t{2});
  CHECK(sorted_ids(t.query(where<&item::name>.like("_"))).empty());
  CHECK(sorted_ids(t.query(where<&item::name>.like("__"))) == ids_t{3});
  CHECK(sorted_ids(t.query(where<&item::name>.like("______"))) == ids_t{2, 4});  // six bytes each
  CHECK(sorted_ids(t.query(where<&item::name>.like("%_____"))) == ids_t{1, 2, 4});
  // a pattern that is not UTF-8 itself: the last byte of é (C3 A9), the first of á (C3 A1)
  CHECK(sorted_ids(t.query(where<&item::name>.like("%\xA9"))) == ids_t{3});
  CHECK(sorted_ids(t.query(where<&item::name>.like("\xC3%"))) == ids_t{2, 3});
  CHECK(sorted_ids(t.query(where<&item::name>.like("\xC3\xA1%"))) == ids_t{2});
}

TEMPLATE_LIST_TEST_CASE("like: NUL bytes count in text and pattern", "[conformance][query][like]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  t.put_many(std::vector<item>{named(1, "a"), named(2, "ab")});
  if constexpr (text_holds_any_bytes<TestType>) {
    t.put(named(3, "a\0b"s));
    t.put(named(4, "a\0"s));
    CHECK(sorted_ids(t.query(where<&item::name>.like("a\0b"s))) == ids_t{3});
    CHECK(sorted_ids(t.query(where<&item::name>.like("a\0zzz"s))).empty());
    CHECK(sorted_ids(t.query(where<&item::name>.like("a"))) == ids_t{1});
    CHECK(sorted_ids(t.query(where<&item::name>.like("a_b"))) == ids_t{3});
    CHECK(sorted_ids(t.query(where<&item::name>.like("a\0%"s))) == ids_t{3, 4});
    CHECK(sorted_ids(t.query(where<&item::name>.like("%\0%"s))) == ids_t{3, 4});
    CHECK(sorted_ids(t.query(where<&item::name>.like("a_"))) == ids_t{2, 4});
    CHECK(sorted_ids(t.query(where<&item::name>.like("a%"))) == ids_t{1, 2, 3, 4});
  } else {
    CHECK_THROWS_AS(t.put(named(3, "a\0b"s)), stowage::bad_input_error);
  }
  // a NUL in the pattern is a byte to match, not its end
  CHECK(sorted_ids(t.query(where<&item::name>.like("a\0"s))) == (text_holds_any_bytes<TestType> ? ids_t{4} : ids_t{}));
  CHECK(sorted_ids(t.query(where<&item::name>.like("a\0%"s))).size() == (text_holds_any_bytes<TestType> ? 2u : 0u));
  CHECK(sorted_ids(t.query(where<&item::name>.like("%b"))) ==
        (text_holds_any_bytes<TestType> ? ids_t{2, 3} : ids_t{2}));
}

TEMPLATE_LIST_TEST_CASE("like: text that is not UTF-8 matches bytewise where a backend stores it",
                        "[conformance][query][like]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  t.put(named(1, "("));
  if constexpr (text_holds_invalid_utf8<TestType>) {
    t.put(named(2, "\xC3("));  // a lead byte without its continuation
    CHECK(sorted_ids(t.query(where<&item::name>.like("%("))) == ids_t{1, 2});
    CHECK(sorted_ids(t.query(where<&item::name>.like("_("))) == ids_t{2});
    CHECK(sorted_ids(t.query(where<&item::name>.like("\xC3%"))) == ids_t{2});
    CHECK(sorted_ids(t.query(where<&item::name>.like("__"))) == ids_t{2});
  } else {
    CHECK_THROWS_AS(t.put(named(2, "\xC3(")), stowage::bad_input_error);
    CHECK(sorted_ids(t.query(where<&item::name>.like("%("))) == ids_t{1});
    CHECK(sorted_ids(t.query(where<&item::name>.like("\xC3%"))).empty());
  }
}

TEMPLATE_LIST_TEST_CASE("like: a backslash escapes %, _ and itself; one left unpaired is bad input",
                        "[conformance][query][like]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  t.put_many(std::vector<item>{named(1, "100%"), named(2, "100x"), named(3, "a_b"), named(4, "axb"), named(5, "a\\"),
                               named(6, "a\\b"), named(7, "a")});

  CHECK(sorted_ids(t.query(where<&item::name>.like("100\\%"))) == ids_t{1});
  CHECK(sorted_ids(t.query(where<&item::name>.like("100%"))) == ids_t{1, 2});
  CHECK(sorted_ids(t.query(where<&item::name>.like("a\\_b"))) == ids_t{3});
  CHECK(sorted_ids(t.query(where<&item::name>.like("a_b"))) == ids_t{3, 4, 6});
  CHECK(sorted_ids(t.query(where<&item::name>.like("a\\\\"))) == ids_t{5});
  CHECK(sorted_ids(t.query(where<&item::name>.like("a\\\\%"))) == ids_t{5, 6});
  CHECK(sorted_ids(t.query(where<&item::name>.like("\\a"))) == ids_t{7});  // an ordinary byte escaped

  // refused when the predicate is built, before any backend sees it, naming the field
  CHECK_THROWS_AS(where<&item::name>.like("a\\"), stowage::bad_input_error);
  CHECK_THROWS_AS(where<&item::note>.like("\\"), stowage::bad_input_error);
  CHECK_THROWS_AS(where<&item::name>.like("a\\\\\\"), stowage::bad_input_error);
  try {
    (void)t.query(where<&item::name>.like("100\\"));
    FAIL("no error");
  } catch (const stowage::bad_input_error& e) {
    CHECK(std::string(e.what()).find("'name'") != std::string::npos);
    CHECK(e.record().find("item") != std::string::npos);
  }
}

TEMPLATE_LIST_TEST_CASE("like: a 50 KB pattern works", "[conformance][query][like]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  std::string text;
  for (int i = 0; text.size() < 60'000; ++i) text += "record " + std::to_string(i) + "; ";
  t.put_many(std::vector<item>{named(1, text), named(2, text + "!"), named(3, "record 0")});

  // the first 25 000 bytes with every 100th one a _, a %, then the last 25 000 bytes
  std::string head = text.substr(0, 25'000), tail = text.substr(text.size() - 25'000);
  for (std::size_t i = 0; i < head.size(); i += 100) head[i] = '_';
  std::string pattern = head + "%" + tail;
  REQUIRE(pattern.size() > 50'000);
  CHECK(sorted_ids(t.query(where<&item::name>.like(pattern))) == ids_t{1});
  CHECK(sorted_ids(t.query(where<&item::name>.like(pattern + "%"))) == ids_t{1, 2});
  CHECK(t.count(where<&item::name>.like("%" + tail.substr(1) + "_")) == 1);
  std::string near = pattern;
  near[30'000] = near[30'000] == 'x' ? 'y' : 'x';
  CHECK(sorted_ids(t.query(where<&item::name>.like(near))).empty());
}

TEMPLATE_LIST_TEST_CASE("contains finds bytes anywhere; icontains folds ASCII letters only",
                        "[conformance][query][contains]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  t.put_many(std::vector<item>{named(1, "Hello World"), named(2, "say hello"), named(3, "HELLO"), named(4, "Élan"),
                               named(5, "100% _done_"), named(6, "")});
  auto with = [&](auto pred) { return sorted_ids(t.query(pred)); };
  CHECK(with(where<&item::name>.contains("hello")) == ids_t{2});
  CHECK(with(where<&item::name>.icontains("hello")) == ids_t{1, 2, 3});
  CHECK(with(where<&item::name>.icontains("o w")) == ids_t{1});
  CHECK(with(where<&item::name>.contains("")) == ids_t{1, 2, 3, 4, 5, 6});
  CHECK(with(where<&item::name>.icontains("")) == ids_t{1, 2, 3, 4, 5, 6});
  // LIKE's wildcards and escape are plain bytes here
  CHECK(with(where<&item::name>.contains("% _")) == ids_t{5});
  CHECK(with(where<&item::name>.contains("_done_")) == ids_t{5});
  CHECK(with(where<&item::name>.icontains("\\")).empty());
  // É and é are different bytes, whatever the server's locale says
  CHECK(with(where<&item::name>.icontains("élan")).empty());
  CHECK(with(where<&item::name>.icontains("ÉLAN")) == ids_t{4});
  CHECK(with(where<&item::name>.contains("Élan")) == ids_t{4});
  CHECK(with(where<&item::name>.contains("Élan!")).empty());
  // combined, negated, counted
  CHECK(with(!where<&item::name>.icontains("hello") && where<&item::id> > 4) == ids_t{5, 6});
  CHECK(t.count(where<&item::name>.icontains("HeLLo")) == 3);
  if constexpr (text_holds_any_bytes<TestType>) {
    t.put(named(7, "a\0b"s));
    CHECK(with(where<&item::name>.contains("\0b"s)) == ids_t{7});
    CHECK(with(where<&item::name>.icontains("A\0B"s)) == ids_t{7});
  }
}
