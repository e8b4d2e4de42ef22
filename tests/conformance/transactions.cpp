// RAII transactions spanning tables: commit, explicit rollback, rollback at scope end, savepoints.
#include <catch2/catch.hpp>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;

namespace {
item make_item(std::int64_t id, std::string name = "n") {
  return item{id, std::move(name), 0, 0.0, std::nullopt, std::nullopt, true};
}
account make_account(std::string id, std::string email) { return {std::move(id), std::move(email), std::nullopt, 0}; }
}  // namespace

TEMPLATE_LIST_TEST_CASE("a committed transaction keeps its writes to several tables", "[conformance][tx]",
                        conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  auto accounts = s->template table<account>();
  {
    auto tx = s->transaction();
    items.put(make_item(1));
    accounts.put(make_account("a", "a@x"));
    items.erase(1);
    items.put(make_item(2));
    tx.commit();
  }
  REQUIRE(items.count() == 1);
  REQUIRE(items.get(2));
  REQUIRE(accounts.get("a"));
  if constexpr (TestType::persistent) {
    s.reopen();
    REQUIRE(s->template table<item>().get(2));
    REQUIRE(s->template table<account>().get("a"));
  }
}

TEMPLATE_LIST_TEST_CASE("rollback undoes puts, updates, erases and clears", "[conformance][tx]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  auto accounts = s->template table<account>();
  items.put_many(std::vector<item>{make_item(1, "one"), make_item(2, "two"), make_item(3, "three")});
  accounts.put(make_account("a", "a@x"));

  SECTION("explicitly") {
    auto tx = s->transaction();
    items.put(make_item(4));
    items.update(make_item(1, "changed"));
    items.erase(2);
    accounts.clear();
    REQUIRE(items.count() == 3);
    tx.rollback();
  }
  SECTION("when the scope ends uncommitted") {
    auto tx = s->transaction();
    items.put(make_item(4));
    items.update(make_item(1, "changed"));
    items.erase(2);
    accounts.clear();
  }
  SECTION("when an exception leaves the scope") {
    try {
      auto tx = s->transaction();
      items.put(make_item(4));
      items.update(make_item(1, "changed"));
      items.erase(2);
      accounts.clear();
      items.insert(make_item(3));  // conflict
      tx.commit();
    } catch (const stowage::conflict_error&) {
    }
  }
  REQUIRE(items.count() == 3);
  REQUIRE(items.get(1)->name == "one");
  REQUIRE(items.get(2)->name == "two");
  REQUIRE_FALSE(items.get(4));
  REQUIRE(accounts.get("a"));
  // the unique index is intact after the rollback: the email is still taken
  REQUIRE_THROWS_AS(accounts.put(make_account("b", "a@x")), stowage::constraint_error);
}

TEMPLATE_LIST_TEST_CASE("nested transactions are savepoints", "[conformance][tx]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  {
    auto outer = s->transaction();
    items.put(make_item(1));
    {
      auto inner = s->transaction();
      REQUIRE(inner.depth() == 1);
      items.put(make_item(2));
      inner.rollback();
    }
    {
      auto inner = s->transaction();
      items.put(make_item(3));
      {
        auto innermost = s->transaction();
        items.put(make_item(4));
      }  // rolled back
      inner.commit();
    }
    REQUIRE(items.count() == 2);
    outer.commit();
  }
  CHECK(items.get(1));
  CHECK_FALSE(items.get(2));
  CHECK(items.get(3));
  CHECK_FALSE(items.get(4));

  {
    auto outer = s->transaction();
    {
      auto inner = s->transaction();
      items.put(make_item(5));
      inner.commit();
    }
  }  // the outer rollback takes the committed savepoint with it
  CHECK_FALSE(items.get(5));
}

TEMPLATE_LIST_TEST_CASE("transactions end innermost first", "[conformance][tx]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  auto outer = s->transaction();
  auto inner = s->transaction();
  REQUIRE_THROWS_AS(outer.commit(), std::logic_error);
  inner.commit();
  REQUIRE_THROWS_AS(inner.commit(), std::logic_error);
  items.put(make_item(1));
  outer.commit();
  REQUIRE(items.count() == 1);
}

TEMPLATE_LIST_TEST_CASE("put_many inside a transaction is part of it", "[conformance][tx]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  {
    auto tx = s->transaction();
    items.put_many(std::vector<item>{make_item(1), make_item(2)});
  }
  REQUIRE(items.count() == 0);
  {
    auto tx = s->transaction();
    items.put(make_item(10));
    std::vector<item> bad{make_item(11), make_item(12)};
    bad[1].score = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS(items.put_many(bad));  // its own savepoint is rolled back
    tx.commit();
  }
  REQUIRE(items.count() == 1);
  REQUIRE(items.get(10));
}

TEMPLATE_LIST_TEST_CASE("a table first used inside a rolled-back transaction still works", "[conformance][tx]",
                        conformance_backends) {
  store<TestType> s;
  {
    auto tx = s->transaction();
    auto accounts = s->template table<account>();
    accounts.put(make_account("a", "a@x"));
  }
  auto accounts = s->template table<account>();
  REQUIRE(accounts.count() == 0);
  accounts.put(make_account("b", "b@x"));
  REQUIRE_THROWS_AS(accounts.put(make_account("c", "b@x")), stowage::constraint_error);
  REQUIRE(accounts.count() == 1);
}

namespace {
/// A record with a unique index and a double, so that one batch can break both rules.
struct gauge {
  BOOST_HANA_DEFINE_STRUCT(gauge, (std::int64_t, id), (std::string, name), (double, value));
};
}  // namespace
template <>
struct stowage::record_traits<gauge> {
  using indexes = std::tuple<stowage::unique<&gauge::name>>;
};

// Found by tests/differential (postgres, seed 1039): a batch with a record the server refuses
// (here a unique name) followed by one stowage refuses (NaN) left the transaction aborted.
TEMPLATE_LIST_TEST_CASE("a batch refused for a duplicate and a bad value leaves the store usable", "[conformance][tx]",
                        conformance_backends) {
  store<TestType> s;
  auto gauges = s->template table<gauge>();
  std::vector<gauge> bad{{2, "a", 1.0}, {3, "b", std::numeric_limits<double>::quiet_NaN()}};
  {
    auto tx = s->transaction();
    gauges.put({1, "a", 0.5});
    REQUIRE_THROWS_AS(gauges.put_many(bad), stowage::error);
    gauges.put({4, "c", 1.0});
    tx.commit();
  }
  REQUIRE(gauges.count() == 2);
  REQUIRE_THROWS_AS(gauges.put_many(bad), stowage::error);  // outside a transaction
  gauges.put({5, "d", 1.0});
  REQUIRE(gauges.count() == 3);
}
