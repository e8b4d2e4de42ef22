// Tables and indexes appear on first use; a field added to a record becomes a column holding
// its default; a removed field or a changed type is refused with a message saying what differs.
#include <algorithm>

#include <catch2/catch.hpp>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;

namespace migration {
struct v1 {
  BOOST_HANA_DEFINE_STRUCT(v1, (std::string, id), (std::int64_t, count));
};
struct v2 {
  BOOST_HANA_DEFINE_STRUCT(v2, (std::string, id), (std::int64_t, count), (std::string, label),
                           (std::optional<double>, weight), (std::vector<std::string>, tags));
};
/// v2 without `count`: a removed field
struct dropped {
  BOOST_HANA_DEFINE_STRUCT(dropped, (std::string, id), (std::string, label), (std::optional<double>, weight),
                           (std::vector<std::string>, tags));
};
/// v1 with `count` as text: a changed type
struct retyped {
  BOOST_HANA_DEFINE_STRUCT(retyped, (std::string, id), (std::string, count));
};
/// v2 with a narrower integer type for count: the same stored column, accepted
struct widened {
  BOOST_HANA_DEFINE_STRUCT(widened, (std::string, id), (std::int32_t, count), (std::string, label),
                           (std::optional<double>, weight), (std::vector<std::string>, tags));
};
/// v1 with an index on count, declared once the table holds rows
struct counted {
  BOOST_HANA_DEFINE_STRUCT(counted, (std::string, id), (std::int64_t, count));
};
}  // namespace migration

template <>
struct stowage::record_traits<migration::counted> {
  static constexpr std::string_view table = "evolving";
  using indexes = std::tuple<stowage::index<&migration::counted::count>>;
};

// every version of the record lives in one table
template <class R>
requires std::same_as<R, migration::v1> || std::same_as<R, migration::v2> || std::same_as<R, migration::dropped> ||
    std::same_as<R, migration::retyped> || std::same_as<R, migration::widened>
struct stowage::record_traits<R> {
  static constexpr std::string_view table = "evolving";
};

namespace {
migration::v2 defaults_v2() {
  migration::v2 d{};
  return d;
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("an added field becomes a column holding its default", "[conformance][schema]",
                        conformance_backends) {
  store<TestType> s;
  s->template table<migration::v1>().put({"a", 1});
  s->template table<migration::v1>().put({"b", 2});
  if constexpr (TestType::persistent) s.reopen();

  auto t2 = s->template table<migration::v2>();
  auto a = t2.get("a");
  REQUIRE(a);
  CHECK(a->count == 1);
  CHECK(a->label == defaults_v2().label);
  CHECK_FALSE(a->weight);
  CHECK(a->tags.empty());
  t2.put({"c", 3, "new", 0.5, {"x"}});
  CHECK(t2.count(stowage::where<&migration::v2::label> == "") == 2);
  CHECK(t2.get("c")->tags == std::vector<std::string>{"x"});

  // a program still built with the old record now meets a column it does not know
  if constexpr (TestType::persistent) {
    auto old_program = s.another();
    REQUIRE_THROWS_AS(old_program->template table<migration::v1>(), stowage::schema_error);
  }
}

TEMPLATE_LIST_TEST_CASE("a removed field or a changed type is refused, and no data is lost", "[conformance][schema]",
                        conformance_backends) {
  store<TestType> s;
  s->template table<migration::v2>().put({"a", 7, "kept", 1.5, {"t"}});
  if constexpr (TestType::persistent) s.reopen();

  try {
    s->template table<migration::dropped>();
    FAIL("a record without a stored column was accepted");
  } catch (const stowage::schema_error& e) {
    CHECK(e.kind() == stowage::error_kind::schema);
    CHECK(e.table() == "evolving");
    CHECK_THAT(e.what(), Catch::Contains("'count'") && Catch::Contains("dropped"));
  }
  try {
    s->template table<migration::retyped>();
    FAIL("a record with a changed field type was accepted");
  } catch (const stowage::schema_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("'count'") && Catch::Contains("text") && Catch::Contains("int"));
  }
  auto widened = s->template table<migration::widened>();
  CHECK(widened.get("a")->count == 7);

  auto a = s->template table<migration::v2>().get("a");
  REQUIRE(a);
  CHECK(a->count == 7);
  CHECK(a->label == "kept");
}

TEMPLATE_LIST_TEST_CASE("opening a table twice changes nothing", "[conformance][schema]", conformance_backends) {
  store<TestType> s;
  s->template table<item>().put({1, "x", 1, 1.0, std::nullopt, std::nullopt, true});
  auto again = s->template table<item>();
  CHECK(again.count() == 1);
  if constexpr (TestType::persistent) {
    auto second = s.another();
    CHECK(second->template table<item>().count() == 1);
  }
}

TEMPLATE_LIST_TEST_CASE("a unique index refuses a duplicate with a constraint error and no partial write",
                        "[conformance][schema]", conformance_backends) {
  store<TestType> s;
  auto accounts = s->template table<account>();
  accounts.put({"a", "a@x", "ext-1", 10});
  accounts.put({"b", "b@x", std::nullopt, 20});
  accounts.put({"c", "c@x", std::nullopt, 30});  // NULLs never collide

  try {
    accounts.put({"d", "a@x", std::nullopt, 40});
    FAIL("a duplicate email was stored");
  } catch (const stowage::constraint_error& e) {
    CHECK(e.kind() == stowage::error_kind::constraint);
    CHECK(e.record() == "account");
    CHECK(e.table() == "accounts");
    CHECK_THAT(e.what(), Catch::Contains("account"));
  }
  REQUIRE_THROWS_AS(accounts.update({"b", "b@x", "ext-1", 0}), stowage::constraint_error);
  CHECK(accounts.count() == 3);
  CHECK_FALSE(accounts.get("d"));
  CHECK(accounts.get("b")->balance == 20);

  // a record may keep its own unique values when it is replaced
  accounts.put({"a", "a@x", "ext-1", 11});
  CHECK(accounts.get("a")->balance == 11);
  // and free them for others when it changes them
  accounts.put({"a", "new@x", std::nullopt, 11});
  accounts.put({"e", "a@x", "ext-1", 50});
  CHECK(accounts.count() == 4);
}

TEMPLATE_LIST_TEST_CASE("an index declared on a table that holds rows serves queries as the rows change",
                        "[conformance][schema]", conformance_backends) {
  using migration::counted;
  using stowage::where;
  store<TestType> s;
  auto old = s->template table<migration::v1>();
  old.put({"a", 3});
  old.put({"b", 1});
  old.put({"c", 2});
  auto t = s->template table<counted>();  // the index is made over the rows already there
  auto ids = [&](stowage::predicate<counted> p) {
    std::vector<std::string> out;
    for (const counted& r : t.query(std::move(p))) out.push_back(r.id);
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(ids(where<&counted::count> >= 2) == std::vector<std::string>{"a", "c"});
  t.put({"b", 5});  // moves in the index
  REQUIRE(t.erase("a"));
  {
    auto tx = s->transaction();
    t.erase("c");
    t.put({"d", 4});
    t.put({"b", 0});
  }  // rolled back
  CHECK(ids(where<&counted::count> >= 2) == std::vector<std::string>{"b", "c"});
  CHECK(ids(where<&counted::count> < 3) == std::vector<std::string>{"c"});
  t.put({"e", 2});
  CHECK(ids(where<&counted::count> == 2) == std::vector<std::string>{"c", "e"});
  CHECK(t.count() == 3);
}
