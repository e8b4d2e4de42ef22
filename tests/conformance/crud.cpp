// put, insert, update, get, erase, put_many, clear, count: the same behaviour on every backend.
#include <catch2/catch.hpp>

#include <iterator>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;

namespace {
item make_item(std::int64_t id, std::string name = "n", std::int64_t rank = 0) {
  return item{id, std::move(name), rank, 0.5, std::nullopt, std::nullopt, true};
}

/// A range whose records are made as it is iterated (its iterator returns them by value).
struct items_made_on_the_fly {
  std::int64_t from, to;
  struct iterator {
    using value_type = item;
    using difference_type = std::ptrdiff_t;
    std::int64_t i;
    item operator*() const { return make_item(i, "made"); }
    iterator& operator++() {
      ++i;
      return *this;
    }
    iterator operator++(int) { return {i++}; }
    bool operator==(const iterator&) const = default;
  };
  iterator begin() const { return {from}; }
  iterator end() const { return {to}; }
};
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
  // append, not "n" + std::to_string(i): g++ 12 at -O3 warns falsely of an overflow in the
  // insertion at the front of the temporary (-Wstringop-overflow), and the tests build with -Werror
  for (std::int64_t i = 0; i < 500; ++i)
    batch.push_back(make_item(i, std::string("n").append(std::to_string(i)), i % 7));
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

namespace {
// a key whose stored form the codec makes (an enumerator's name), not bytes of the key itself
struct paint {
  BOOST_HANA_DEFINE_STRUCT(paint, (conformance::color, id), (std::string, name));
};
}  // namespace

TEMPLATE_LIST_TEST_CASE("get_many returns the records of the keys in their order", "[conformance][crud]",
                        conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  std::vector<item> rows;
  for (std::int64_t i = 0; i < 300; ++i)
    rows.push_back(make_item(i, std::string("n").append(std::to_string(i)), i % 7));
  items.put_many(rows);

  std::vector<std::int64_t> keys{299, 5, -1, 5, 1000, 0};
  auto got = items.get_many(keys);
  REQUIRE(got.size() == keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] >= 0 && keys[i] < 300)
      CHECK(got[i] == rows[static_cast<std::size_t>(keys[i])]);
    else
      CHECK_FALSE(got[i]);
  }
  CHECK(items.get_many(std::vector<std::int64_t>{}).empty());
  CHECK(items.get_many({7, 8})[1]->name == "n8");

  std::vector<std::int64_t> all;
  for (std::int64_t i = 299; i >= 0; --i) all.push_back(i);
  auto every = items.get_many(all);
  REQUIRE(every.size() == 300);
  for (std::size_t i = 0; i < every.size(); ++i) REQUIRE(every[i]->id == all[i]);

  auto accounts = s->template table<account>();
  accounts.put({"a", "a@x", std::nullopt, 1});
  auto by_text = accounts.get_many({std::string("b"), std::string("a")});
  CHECK_FALSE(by_text[0]);
  CHECK(by_text[1]->email == "a@x");

  auto paints = s->template table<paint>();
  paints.put({conformance::color::green, "grass"});
  paints.put({conformance::color::blue, "sky"});
  auto by_enum = paints.get_many({conformance::color::blue, conformance::color::red, conformance::color::green});
  REQUIRE(by_enum.size() == 3);
  REQUIRE(by_enum[0]);
  CHECK(by_enum[0]->name == "sky");
  CHECK_FALSE(by_enum[1]);
  REQUIRE(by_enum[2]);
  CHECK(by_enum[2]->name == "grass");
}

TEMPLATE_LIST_TEST_CASE("get_many after a query loop on the same table returns its records", "[conformance][crud]",
                        conformance_backends) {
  // postgres: a query loop reads row by row (libpq's single-row mode), and libpq kept that mode
  // for the first lookup of the next get_many on the same pooled connection, which then failed
  store<TestType> s;
  auto items = s->template table<item>();
  items.put_many(std::vector<item>{make_item(1, "one"), make_item(2, "two")});
  for (int round = 0; round < 3; ++round) {
    std::size_t seen = 0;
    for (const auto& r : items.query(stowage::where<&item::id> >= 0)) seen += r.id > 0 ? 1 : 0;
    CHECK(seen == 2);
    auto got = items.get_many({2, 1, 3});
    REQUIRE(got.size() == 3);
    REQUIRE(got[0]);
    CHECK(got[0]->name == "two");
    REQUIRE(got[1]);
    CHECK(got[1]->name == "one");
    CHECK_FALSE(got[2]);
  }
}

TEMPLATE_LIST_TEST_CASE("a large put_many over existing and repeated keys keeps the last record of each key",
                        "[conformance][crud]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  std::vector<item> first;
  for (std::int64_t i = 0; i < 500; ++i) first.push_back(make_item(i, "first"));
  items.put_many(first);
  REQUIRE(items.count() == 500);

  std::vector<item> second;
  for (std::int64_t i = 250; i < 750; ++i) second.push_back(make_item(i, "second"));
  second.push_back(make_item(300, "last"));
  second.push_back(make_item(800, "only"));
  items.put_many(second);
  CHECK(items.count() == 751);
  CHECK(items.get(0)->name == "first");
  CHECK(items.get(251)->name == "second");
  CHECK(items.get(300)->name == "last");
  CHECK(items.get(800)->name == "only");

  // records made on the fly by the range are stored as well
  items.put_many(items_made_on_the_fly{1000, 1200});
  CHECK(items.count() == 951);
  CHECK(items.get(1199)->name == "made");
}

TEMPLATE_LIST_TEST_CASE("a large put_many that breaks a unique index stores nothing", "[conformance][crud]",
                        conformance_backends) {
  store<TestType> s;
  auto accounts = s->template table<account>();
  accounts.put({"existing", "taken@x", std::nullopt, 0});
  std::vector<account> batch;
  for (int i = 0; i < 200; ++i)
    batch.push_back({std::string("k").append(std::to_string(i)),
                     std::string("e").append(std::to_string(i)).append("@x"), std::nullopt, i});
  SECTION("a clash within the batch") { batch[150].email = batch[20].email; }
  SECTION("a clash with a stored record") { batch[150].email = "taken@x"; }
  REQUIRE_THROWS_AS(accounts.put_many(batch), stowage::constraint_error);
  CHECK(accounts.count() == 1);
  // the store goes on working
  batch[150].email = "free@x";
  accounts.put_many(batch);
  CHECK(accounts.count() == 201);
}

TEMPLATE_LIST_TEST_CASE("a transaction may ask for an isolation level", "[conformance][tx]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  for (auto level :
       {stowage::isolation::read_committed, stowage::isolation::repeatable_read, stowage::isolation::serializable}) {
    auto tx = s->transaction(level);
    items.put(make_item(static_cast<std::int64_t>(level), "tx"));
    tx.commit();
  }
  CHECK(items.count() == 3);
  // transact commits, and returns what the function returns
  auto n = stowage::transact(*s, [&] {
    items.put(make_item(10, "transact"));
    return items.count();
  });
  CHECK(n == 4);
  CHECK(items.get(10));
}
