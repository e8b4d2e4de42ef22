// put, insert, update, get, erase, put_many, clear, count: the same behaviour on every backend.
#include <catch2/catch.hpp>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;

namespace {
item make_item(std::int64_t id, std::string name = "n", std::int64_t rank = 0) {
  return item{id, std::move(name), rank, 0.5, std::nullopt, std::nullopt, true};
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("a stored record reads back equal", "[conformance][crud]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  item a{7, "seven", 3, 1.25, 2, "a note", false};
  items.put(a);
  REQUIRE(items.get(7) == a);
  REQUIRE_FALSE(items.get(8).has_value());
}

TEMPLATE_LIST_TEST_CASE("put replaces the record with the same key", "[conformance][crud]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  items.put(make_item(1, "first"));
  items.put(make_item(1, "second"));
  REQUIRE(items.count() == 1);
  REQUIRE(items.get(1)->name == "second");
}

TEMPLATE_LIST_TEST_CASE("insert refuses a key that exists with a conflict error", "[conformance][crud]",
                        conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  items.insert(make_item(1, "first"));
  try {
    items.insert(make_item(1, "second"));
    FAIL("insert of an existing key succeeded");
  } catch (const stowage::conflict_error& e) {
    CHECK(e.kind() == stowage::error_kind::conflict);
    CHECK(e.record() == "item");
    CHECK(e.table() == "items");
    CHECK(e.key() == "1");
    CHECK_THAT(e.what(), Catch::Contains("item") && Catch::Contains("key 1"));
  }
  REQUIRE(items.get(1)->name == "first");
}

TEMPLATE_LIST_TEST_CASE("update of a missing record is a not-found error", "[conformance][crud]",
                        conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  REQUIRE_THROWS_AS(items.update(make_item(5)), stowage::not_found_error);
  REQUIRE(items.count() == 0);
  items.put(make_item(5, "old"));
  items.update(make_item(5, "new"));
  REQUIRE(items.get(5)->name == "new");
}

TEMPLATE_LIST_TEST_CASE("erase says whether there was a record", "[conformance][crud]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  items.put(make_item(1));
  items.put(make_item(2));
  REQUIRE(items.erase(1));
  REQUIRE_FALSE(items.erase(1));
  REQUIRE_FALSE(items.get(1));
  REQUIRE(items.get(2));
  REQUIRE(items.count() == 1);
}

TEMPLATE_LIST_TEST_CASE("put_many stores every record and clear removes them", "[conformance][crud]",
                        conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  std::vector<item> batch;
  for (std::int64_t i = 0; i < 500; ++i) batch.push_back(make_item(i, "n" + std::to_string(i), i % 7));
  items.put_many(batch);
  REQUIRE(items.count() == 500);
  REQUIRE(items.get(499)->name == "n499");
  items.clear();
  REQUIRE(items.count() == 0);
  REQUIRE_FALSE(items.get(3));
}

TEMPLATE_LIST_TEST_CASE("put_many of a batch with a bad record stores none of it", "[conformance][crud]",
                        conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  items.put(make_item(1000, "before"));
  std::vector<item> batch;
  for (std::int64_t i = 0; i < 10; ++i) batch.push_back(make_item(i));
  batch[6].score = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_AS(items.put_many(batch), stowage::bad_input_error);
  REQUIRE(items.count() == 1);
  REQUIRE_FALSE(items.get(0));
}

TEMPLATE_LIST_TEST_CASE("two tables of one database are independent", "[conformance][crud]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  auto accounts = s->template table<account>();
  items.put(make_item(1));
  accounts.put({"a", "a@example.com", std::nullopt, 10});
  REQUIRE(items.count() == 1);
  REQUIRE(accounts.count() == 1);
  items.clear();
  REQUIRE(accounts.count() == 1);
}

TEMPLATE_LIST_TEST_CASE("table handles are plain values that can live in a class", "[conformance][crud]",
                        conformance_backends) {
  using db_t = stowage::database<typename TestType::type>;
  struct repository {
    explicit repository(db_t& db) : items(db.template table<item>()) {}
    stowage::table<item, typename TestType::type> items;
    std::uint64_t size() const { return items.count(); }
  };
  store<TestType> s;
  repository repo(*s);
  repository copy = repo;
  copy.items.put(make_item(3));
  REQUIRE(repo.size() == 1);
}

TEMPLATE_LIST_TEST_CASE("a reopened store holds what was committed", "[conformance][crud]", conformance_backends) {
  if constexpr (TestType::persistent) {
    store<TestType> s;
    s->template table<item>().put(make_item(42, "kept"));
    s.reopen();
    REQUIRE(s->template table<item>().get(42)->name == "kept");
  } else {
    SUCCEED("backend keeps nothing after close");
  }
}
