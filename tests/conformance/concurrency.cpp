// A database may be shared by threads: no write is lost, transactions are isolated.
#include <catch2/catch.hpp>

#include <thread>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;

TEMPLATE_LIST_TEST_CASE("writers in several threads lose no write", "[conformance][threads]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  constexpr int threads = 4, per_thread = 250;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::int64_t id = t * per_thread + i;
        if (i % 10 == 0) {
          auto tx = s->transaction();
          items.put({id, "tx", t, 0.0, std::nullopt, std::nullopt, true});
          tx.commit();
        } else {
          items.put({id, "put", t, 0.0, std::nullopt, std::nullopt, true});
        }
        (void)items.get(id);
      }
    });
  for (auto& th : pool) th.join();
  REQUIRE(items.count() == threads * per_thread);
  for (int t = 0; t < threads; ++t) CHECK(items.count(stowage::where<&item::rank> == t) == per_thread);
}

TEMPLATE_LIST_TEST_CASE("read-modify-write in transactions from several threads loses no update",
                        "[conformance][threads]", conformance_backends) {
  store<TestType> s;
  auto accounts = s->template table<account>();
  accounts.put({"shared", "s@x", std::nullopt, 0});
  constexpr int threads = 4, rounds = 100;
  std::vector<std::thread> pool;
  // transact runs a transaction again when it loses a race (postgres: a serialization failure)
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < rounds; ++i)
        stowage::transact(
            *s,
            [&] {
              auto a = accounts.get("shared");
              a->balance += 1;
              accounts.put(*a);
            },
            stowage::retry_options().attempts(1000));
    });
  for (auto& th : pool) th.join();
  REQUIRE(accounts.get("shared")->balance == threads * rounds);
}
