// A transaction belongs to the thread that began it: another thread cannot end it.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;

namespace {
item make_item(std::int64_t id) { return item{id, "n", 0, 0.0, std::nullopt, std::nullopt, true}; }

/// Runs f in another thread and says whether it threw std::logic_error.
template <class F>
bool refused_in_another_thread(F f) {
  bool refused = false;
  std::thread([&] {
    try {
      f();
    } catch (const std::logic_error&) {
      refused = true;
    }
  }).join();
  return refused;
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("a transaction cannot be ended from another thread and stays usable in its own",
                        "[conformance][tx][threads]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  items.put(make_item(1));
  {
    auto tx = s->transaction();
    items.put(make_item(2));
    CHECK(refused_in_another_thread([&] { tx.commit(); }));
    CHECK(refused_in_another_thread([&] { tx.rollback(); }));
    // still open, in its own thread: its writes go on being part of it
    items.put(make_item(3));
    CHECK(items.count() == 3);
    tx.rollback();
  }
  CHECK(items.count() == 1);

  {
    auto tx = s->transaction();
    auto inner = s->transaction();
    items.put(make_item(4));
    CHECK(refused_in_another_thread([&] { inner.commit(); }));
    inner.commit();
    CHECK(refused_in_another_thread([&] { tx.commit(); }));
    tx.commit();
  }
  // the database is free again for every thread (it was not, when another thread's commit was
  // taken: the lock stayed with this thread's transaction, or was released by a thread that did
  // not own it)
  auto counted = std::async(std::launch::async, [&] { return items.count(); });
  REQUIRE(counted.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(counted.get() == 2);
  CHECK(items.get(4));
}
