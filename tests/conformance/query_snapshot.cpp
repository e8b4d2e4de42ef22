// A loop over a query sees the records as they were when it began: the writes made inside the
// loop, to its table or any other, are not seen by it, on every backend.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;
using stowage::where;

namespace {

item make_item(std::int64_t id, std::int64_t rank, std::string name = "before") {
  return item{id, std::move(name), rank, 0.0, std::nullopt, std::nullopt, true};
}

/// More records than postgres fetches from a cursor at once (512), so its later batches are read
/// after the writes.
constexpr std::int64_t n = 600;
/// The first records seen write (all of them would take long on a synchronous SQLite file).
constexpr std::size_t writers = 50;

/// Iterates q while writing to the table: each of the first records seen adds a new one (which
/// the query selects too), renames another and erases a third (most often not yet seen), and
/// writes to another table. Returns what the loop yielded, by id; stops after 2n records, which
/// only a loop that sees its own writes reaches.
template <class Table, class Query, class Other>
std::map<std::int64_t, std::string> write_while_iterating(Table& t, const Query& q, Other& other,
                                                          std::size_t& yielded) {
  std::map<std::int64_t, std::string> seen;
  yielded = 0;
  for (const item& a : q) {
    if (++yielded > 2 * static_cast<std::size_t>(n)) break;
    seen[a.id] = a.name;
    if (yielded > writers) continue;
    t.put(make_item(a.id + n, a.rank + 1));  // selected by the query too
    t.put(make_item((a.id + 7) % n, a.rank, "after"));
    t.erase((a.id + 13) % n);
    other.put({"k" + std::to_string(a.id), "e" + std::to_string(a.id), std::nullopt, a.id});
  }
  return seen;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("a loop over a query yields the records as they were when it began, despite its writes",
                        "[conformance][query][snapshot]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  auto other = s->template table<account>();
  std::vector<item> start;
  for (std::int64_t i = 0; i < n; ++i) start.push_back(make_item(i, i));
  t.put_many(start);
  std::map<std::int64_t, std::string> expected;
  for (const auto& r : start) expected[r.id] = r.name;

  std::size_t yielded = 0;
  bool kept = true;
  SECTION("outside a transaction, unordered") {
    CHECK(write_while_iterating(t, t.query(), other, yielded) == expected);
  }
  SECTION("outside a transaction, in the order of an indexed field") {
    CHECK(write_while_iterating(t, t.query(where<&item::rank> >= 0).order_by(stowage::field<&item::rank>), other,
                                yielded) == expected);
  }
  SECTION("inside a transaction") {
    auto tx = s->transaction();
    CHECK(write_while_iterating(t, t.query(), other, yielded) == expected);
    tx.commit();
  }
  SECTION("inside a transaction, ordered, rolled back") {
    auto tx = s->transaction();
    CHECK(write_while_iterating(t, t.query().order_by(stowage::field<&item::rank>, stowage::desc), other, yielded) ==
          expected);
    tx.rollback();
    CHECK(t.count() == n);
    kept = false;
  }
  SECTION("with a transaction in the loop's body") {
    std::map<std::int64_t, std::string> seen;
    for (const item& a : t.query(where<&item::rank> < n)) {
      if (++yielded > 2 * static_cast<std::size_t>(n)) break;
      seen[a.id] = a.name;
      if (yielded > writers) continue;
      auto tx = s->transaction();
      t.put(make_item(a.id + n, a.rank + 1));
      t.erase((a.id + 13) % n);
      tx.commit();
      auto rolled_back = s->transaction();
      t.put(make_item(a.id + 2 * n, 0));
    }
    CHECK(seen == expected);
    CHECK(t.count(where<&item::id> >= 2 * n) == 0);
  }
  CHECK(yielded == static_cast<std::size_t>(n));
  // the writes were made all the same
  if (kept) CHECK(t.count(where<&item::id> >= n) == writers);
}

TEMPLATE_LIST_TEST_CASE("a query run again after writes sees them", "[conformance][query][snapshot]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  t.put(make_item(1, 1));
  auto q = t.query();
  for (const item& a : q) t.put(make_item(a.id + 1, 2));
  CHECK(q.count() == 2);
  std::size_t n = 0;
  for (const item& a : q) {
    ++n;
    (void)a;
  }
  CHECK(n == 2);
}
