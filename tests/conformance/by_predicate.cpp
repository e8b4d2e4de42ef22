// erase(predicate) and update(predicate, set<...>(...)...): what they select, what they count,
// and all or nothing, with unique indexes and transactions, on every backend.
#include <catch2/catch.hpp>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;
using namespace std::chrono_literals;
using stowage::set;
using stowage::where;

namespace {
/// Items 1..n: rank i % 3, group i % 2 (none for multiples of 5), a note on even ids.
std::vector<item> some_items(std::int64_t n = 10) {
  std::vector<item> out;
  for (std::int64_t i = 1; i <= n; ++i)
    out.push_back(item{i, "item " + std::to_string(i), i % 3, 0.5 * static_cast<double>(i),
                       i % 5 == 0 ? std::nullopt : std::optional<std::int64_t>(i % 2),
                       i % 2 == 0 ? std::optional<std::string>("even") : std::nullopt, true});
  return out;
}

std::vector<std::int64_t> ids(const std::vector<item>& items) {
  std::vector<std::int64_t> out;
  for (const auto& i : items) out.push_back(i.id);
  return out;
}

/// Every record of a table, in key order.
template <class Record, class Backend>
std::vector<Record> all_of(stowage::table<Record, Backend>& t) {
  return t.query().template order_by<&Record::id>().to_vector();
}

std::vector<account> some_accounts() {
  return {{"a", "a@x", "ext-a", 1}, {"b", "b@x", std::nullopt, 2}, {"c", "c@x", "ext-c", 3}};
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("erase by predicate deletes the records it selects and says how many",
                        "[conformance][by_predicate]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  items.put_many(some_items());

  REQUIRE(items.erase(where<&item::rank> == 1) == 4);  // 1, 4, 7, 10
  CHECK(ids(all_of(items)) == std::vector<std::int64_t>{2, 3, 5, 6, 8, 9});
  // a compound predicate, where a NULL satisfies no comparison: 2, 6, 8 and 9, not 5
  REQUIRE(items.erase(where<&item::group> != 1 || where<&item::score> > 4.0) == 4);
  CHECK(ids(all_of(items)) == std::vector<std::int64_t>{3, 5});
  items.put_many(some_items());
  // nothing selected: nothing deleted
  CHECK(items.erase(where<&item::rank> > 5) == 0);
  CHECK(items.erase(where<&item::name>.in(std::vector<std::string>{})) == 0);
  CHECK(items.count() == 10);
  // erase by key goes on working beside it
  CHECK(items.erase(3));
  CHECK_FALSE(items.erase(3));
  CHECK(items.erase(where<&item::id> >= 9 && where<&item::score> < 100.0) == 2);
  CHECK(items.count() == 7);
  if constexpr (TestType::persistent) {
    s.reopen();
    auto again = s->template table<item>();
    CHECK(ids(all_of(again)) == std::vector<std::int64_t>{1, 2, 4, 5, 6, 7, 8});
  }
}

TEMPLATE_LIST_TEST_CASE("update by predicate sets the fields of the records it selects and says how many",
                        "[conformance][by_predicate]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  const auto before = some_items();
  items.put_many(before);

  REQUIRE(items.update(where<&item::rank> == 2, set<&item::name>("renamed"), set<&item::score>(-1),
                       set<&item::note>("changed"), set<&item::active>(false)) == 3);  // 2, 5, 8
  // an optional field emptied, by std::nullopt or an empty optional
  REQUIRE(items.update(where<&item::id> == 4, set<&item::note>(std::nullopt)) == 1);
  REQUIRE(items.update(where<&item::id> == 6, set<&item::group>(std::optional<std::int64_t>())) == 1);
  REQUIRE(items.update(where<&item::id> == 7, set<&item::group>(std::optional<std::int64_t>(70))) == 1);
  // nothing selected: nothing changed
  REQUIRE(items.update(where<&item::rank> == 7, set<&item::name>("none")) == 0);

  auto check = [&](auto& table) {
    auto after = all_of(table);
    REQUIRE(after.size() == before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
      item want = before[i];
      if (want.rank == 2) {
        want.name = "renamed";
        want.score = -1;
        want.note = "changed";
        want.active = false;
      }
      if (want.id == 4) want.note = std::nullopt;
      if (want.id == 6) want.group = std::nullopt;
      if (want.id == 7) want.group = 70;
      CHECK(after[i] == want);
    }
  };
  check(items);
  if constexpr (TestType::persistent) {
    s.reopen();
    auto again = s->template table<item>();
    check(again);
  }
}

TEMPLATE_LIST_TEST_CASE("update by predicate stores every field type as put does", "[conformance][by_predicate]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<every_type>();
  every_type a{}, b{};
  a.id = "a";
  b.id = "b";
  t.put(a);
  t.put(b);
  every_type want = a;
  want.i8 = -128;
  want.u64 = 18000000000000000000ull;
  want.f32 = 1.5f;
  want.text = "text";
  want.blob = {std::byte{0}, std::byte{255}};
  want.at = stowage::timestamp(1700000000123456us);
  want.hue = color::green;
  want.lvl = level::high;
  want.doc = nlohmann::json{{"k", {1, "two", nullptr}}};
  want.where = {1, 2, "p"};
  want.tags = {"x", "y"};
  want.price = {250};
  want.maybe_at = stowage::timestamp(-1us);
  want.maybe_hue = color::red;
  want.maybe_point = point{0, 0, std::nullopt};
  REQUIRE(t.update(where<&every_type::id> == "a", set<&every_type::i8>(-128), set<&every_type::u64>(want.u64),
                   set<&every_type::f32>(1.5f), set<&every_type::text>(std::string("text")),
                   set<&every_type::blob>(want.blob), set<&every_type::at>(want.at),
                   set<&every_type::hue>(color::green), set<&every_type::lvl>(level::high),
                   set<&every_type::doc>(want.doc), set<&every_type::where>(want.where),
                   set<&every_type::tags>(want.tags), set<&every_type::price>(want.price),
                   set<&every_type::maybe_at>(*want.maybe_at), set<&every_type::maybe_hue>(want.maybe_hue),
                   set<&every_type::maybe_point>(want.maybe_point)) == 1);
  CHECK(t.get("a") == want);
  CHECK(t.get("b") == b);
  // and back to empty
  REQUIRE(t.update(where<&every_type::maybe_hue> == color::red, set<&every_type::maybe_at>(std::nullopt),
                   set<&every_type::maybe_hue>(std::nullopt), set<&every_type::maybe_point>(std::nullopt)) == 1);
  want.maybe_at.reset();
  want.maybe_hue.reset();
  want.maybe_point.reset();
  CHECK(t.get("a") == want);
  // a value its field's type cannot hold is refused, before anything changes
  CHECK_THROWS_AS(t.update(where<&every_type::id> == "a", set<&every_type::i8>(300)), stowage::bad_input_error);
  // one field set twice is a mistake
  CHECK_THROWS_AS(t.update(where<&every_type::id> == "a", set<&every_type::i8>(1), set<&every_type::i8>(2)),
                  stowage::bad_input_error);
  CHECK(t.get("a") == want);
}

TEMPLATE_LIST_TEST_CASE("an update that a unique index refuses for one record changes none",
                        "[conformance][by_predicate][errors]", conformance_backends) {
  store<TestType> s;
  auto accounts = s->template table<account>();
  accounts.put_many(some_accounts());

  auto check = [&] {
    // two selected records would share an email
    try {
      accounts.update(where<&account::balance> >= 2, set<&account::email>("same@x"), set<&account::balance>(0));
      FAIL("the update went through");
    } catch (const stowage::constraint_error& e) {
      CHECK(e.kind() == stowage::error_kind::constraint);
      CHECK(e.record() == "account");
      CHECK(e.table() == "accounts");
    }
    // a selected record would take an email another record keeps
    CHECK_THROWS_AS(accounts.update(where<&account::id> == "c", set<&account::email>("a@x")),
                    stowage::constraint_error);
    // of two indexes, the second refuses
    CHECK_THROWS_AS(
        accounts.update(where<&account::id> != "b", set<&account::balance>(9), set<&account::external_id>("ext")),
        stowage::constraint_error);
    CHECK(all_of(accounts) == some_accounts());
    // NULLs never collide; a record keeps its own values
    CHECK(accounts.update(where<&account::balance> > 0, set<&account::external_id>(std::nullopt)) == 3);
    CHECK(accounts.update(where<&account::id> == "a", set<&account::email>("a@x")) == 1);
  };
  SECTION("outside a transaction") {
    check();
    CHECK(accounts.count(where<&account::external_id>.is_null()) == 3);
  }
  SECTION("inside a transaction, which goes on") {
    auto tx = s->transaction();
    check();
    CHECK(accounts.update(where<&account::id> == "b", set<&account::email>("new@x")) == 1);
    tx.commit();
    CHECK(accounts.get("b")->email == "new@x");
    CHECK(accounts.count(where<&account::external_id>.is_null()) == 3);
  }
  // the indexes are intact: the emails are still taken, and a freed one is free
  CHECK_THROWS_AS(accounts.put({"d", "c@x", std::nullopt, 0}), stowage::constraint_error);
  CHECK(accounts.update(where<&account::id> == "c", set<&account::email>("c2@x")) == 1);
  accounts.put({"d", "c@x", std::nullopt, 0});
  CHECK(accounts.count() == 4);
}

TEMPLATE_LIST_TEST_CASE("erase and update by predicate in a transaction rolled back leave every record",
                        "[conformance][by_predicate][tx]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  const auto before = some_items();
  items.put_many(before);

  SECTION("the whole transaction") {
    auto tx = s->transaction();
    CHECK(items.update(where<&item::rank> == 0, set<&item::rank>(1)) == 3);
    CHECK(items.erase(where<&item::rank> == 1) == 7);
    CHECK(items.count() == 3);
    tx.rollback();
  }
  SECTION("a savepoint, the enclosing transaction committed") {
    auto outer = s->transaction();
    CHECK(items.update(where<&item::id> == 1, set<&item::name>("kept")) == 1);
    {
      auto inner = s->transaction();
      CHECK(items.erase(where<&item::id> > 1) == 9);
      CHECK(items.update(where<&item::id> == 1, set<&item::name>("undone")) == 1);
    }
    CHECK(items.get(1)->name == "kept");
    CHECK(items.update(where<&item::id> == 1, set<&item::name>(before[0].name)) == 1);
    outer.commit();
  }
  CHECK(all_of(items) == before);
  if constexpr (TestType::persistent) {
    s.reopen();
    auto again = s->template table<item>();
    CHECK(all_of(again) == before);
  }
}

TEMPLATE_LIST_TEST_CASE("queries on an index see the fields an update by predicate changed",
                        "[conformance][by_predicate][queries]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  items.put_many(some_items(30));

  REQUIRE(items.update(where<&item::rank> == 1, set<&item::rank>(7)) == 10);
  CHECK(items.count(where<&item::rank> == 1) == 0);
  CHECK(items.count(where<&item::rank> == 7) == 10);
  CHECK(items.count(where<&item::rank> > 1) == 20);
  CHECK(ids(items.query(where<&item::rank> >= 7 && where<&item::id> < 10).to_vector()) ==
        std::vector<std::int64_t>{1, 4, 7});
  // the first field of a composite index, and an optional one
  REQUIRE(items.update(where<&item::group> == 0, set<&item::group>(std::nullopt)) == 12);
  CHECK(items.count(where<&item::group> == 0) == 0);
  CHECK(items.count(where<&item::group>.is_null()) == 18);
  CHECK(items.count(where<&item::group> == 1 && where<&item::score> > 0.0) == 12);
  // and deleted rows leave the index
  REQUIRE(items.erase(where<&item::rank> == 7) == 10);
  CHECK(items.count(where<&item::rank> >= 0) == 20);
  CHECK(items.query(where<&item::rank> == 7).to_vector().empty());
}
