// A database may be shared by threads: no write is lost, transactions are isolated.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <set>
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

TEMPLATE_LIST_TEST_CASE("eight threads mixing reads, writes and transactions leave what each thread wrote",
                        "[conformance][threads]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  auto accounts = s->template table<account>();
  accounts.put({"counter", "c@x", std::nullopt, 0});
  constexpr int threads = 8, rounds = 100;
  struct rolled_back {};
  // each thread owns the keys t*1000.. and knows what they hold; the counter is shared
  std::vector<std::map<std::int64_t, std::int64_t>> expected(threads);
  std::vector<int> increments(threads, 0);
  std::atomic<int> surprises{0};  // reads of a thread's own keys that disagree with what it wrote
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      auto& mine = expected[static_cast<std::size_t>(t)];
      std::uint64_t state = 88172645463325252ull + static_cast<std::uint64_t>(t);
      auto next = [&](int n) {  // xorshift: no shared generator between threads
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return static_cast<int>(state % static_cast<std::uint64_t>(n));
      };
      auto row = [&](std::int64_t id, std::int64_t rank) {
        return item{id, "t" + std::to_string(t), rank, 0.5, t, std::nullopt, rank % 2 == 0};
      };
      for (int i = 0; i < rounds; ++i) {
        std::int64_t id = t * 1000 + next(20);
        std::int64_t rank = i;
        switch (next(7)) {
          case 0:
            items.put(row(id, rank));
            mine[id] = rank;
            break;
          case 1:
            if (items.erase(id) != (mine.erase(id) == 1)) ++surprises;
            break;
          case 2: {
            auto got = items.get(id);
            auto want = mine.find(id);
            if (got.has_value() != (want != mine.end()) || (got && got->rank != want->second)) ++surprises;
            break;
          }
          case 3:  // reads of every thread's rows
            (void)items.count(stowage::where<&item::rank> < 50);
            for (const item& r : items.query(stowage::where<&item::group> == (t + 1) % threads).limit(5)) (void)r;
            break;
          case 4: {  // a transaction with a savepoint, committed or rolled back
            bool commit = next(2) == 0, inner_commit = next(2) == 0;
            std::int64_t other = t * 1000 + next(20);
            try {
              stowage::transact(
                  *s,
                  [&] {
                    items.put(row(id, rank));
                    {
                      auto savepoint = s->transaction();
                      items.put(row(other, rank + 1000));
                      if (inner_commit) savepoint.commit();
                    }
                    if (!commit) throw rolled_back{};
                  },
                  stowage::retry_options().attempts(1000));
              mine[id] = rank;
              if (inner_commit) mine[other] = rank + 1000;
            } catch (const rolled_back&) {
            }
            break;
          }
          case 5: {
            std::vector<item> batch;
            for (int k = 0; k < 3; ++k) batch.push_back(row(t * 1000 + next(20), rank));
            items.put_many(batch);
            for (const item& r : batch) mine[r.id] = r.rank;
            break;
          }
          default:
            stowage::transact(
                *s,
                [&] {
                  auto a = accounts.get("counter");
                  a->balance += 1;
                  accounts.put(*a);
                },
                stowage::retry_options().attempts(1000));
            ++increments[static_cast<std::size_t>(t)];
        }
      }
    });
  for (auto& th : pool) th.join();
  std::map<std::int64_t, std::int64_t> want, got;
  for (const auto& m : expected) want.insert(m.begin(), m.end());
  for (const item& r : items.query()) got[r.id] = r.rank;
  CHECK(surprises == 0);
  CHECK(got == want);
  int total = 0;
  for (int n : increments) total += n;
  CHECK(accounts.get("counter")->balance == total);
}

TEMPLATE_LIST_TEST_CASE("a reader paging while another thread inserts and erases repeats and skips nothing",
                        "[conformance][threads][pages]", conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  // ids 0..299 stay throughout; the writer inserts from 1000 up (600 at most, so that the reader
  // reaches the end) and erases some of what it inserted
  std::vector<item> stable;
  for (std::int64_t i = 0; i < 300; ++i) stable.push_back({i, "stable", i % 7, 0.0, std::nullopt, std::nullopt, true});
  items.put_many(stable);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::int64_t id = 1000; !done && id < 1600; ++id) {
      items.put(
          {id, "fresh", id % 7, 0.0, id % 2 ? std::optional<std::int64_t>(id) : std::nullopt, std::nullopt, true});
      if (id % 3 == 0) items.erase(id - 2);
    }
  });
  std::vector<std::int64_t> seen;
  {
    const auto q = items.query().order_by(stowage::field<&item::rank>, stowage::desc);
    auto p = q.page(5);
    for (;;) {
      for (const item& i : p) seen.push_back(i.id);
      if (!p.next) break;
      p = q.page_after(*p.next, 5);
    }
  }
  done = true;
  writer.join();
  std::set<std::int64_t> unique(seen.begin(), seen.end());
  CHECK(unique.size() == seen.size());
  for (std::int64_t i = 0; i < 300; ++i) CHECK(unique.count(i) == 1);
}
