// The PostgreSQL server goes away in the middle of a write workload and comes back.
//
// Four threads write through one database<postgres> (single puts, and transactions of two puts)
// while the server is stopped abruptly (pg_ctl -m immediate, as a crash would) and started
// again, several times. Checks: every acknowledged write is present afterwards; every failed
// call failed with the unavailable kind, whatever step the server was lost at (begin, a
// statement, commit); and the same database object works again without being rebuilt.
//
// The server is a throwaway cluster of its own (scripts/pg-server), never STOWAGE_TEST_PG_URL's:
// the test stops and starts it.
//
//   postgres_restart [ROUNDS]
#include <stowage/postgres.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

struct entry {
  BOOST_HANA_DEFINE_STRUCT(entry, (std::int64_t, id), (std::int64_t, writer), (std::string, text));
};

int run(const std::string& command) {
  int rc = std::system(command.c_str());
  if (rc != 0) std::cerr << "postgres_restart: `" << command << "` failed (" << rc << ")\n";
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  const std::string scripts = STOWAGE_SOURCE_DIR "/scripts";
  char dir_template[] = "/tmp/stowage-pg-restart.XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  if (run(scripts + "/pg-server start " + dir + " >/dev/null") != 0) return 2;
  std::string url;
  std::getline(std::ifstream(dir + "/url"), url);

  int failures = 0;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) {
      std::cerr << "postgres_restart: FAILED: " << what << "\n";
      ++failures;
    }
  };

  {
    stowage::database<stowage::postgres> db(url + "&pool_size=4&pool_timeout=2000&connect_timeout=2");
    auto entries = db.table<entry>();

    std::mutex acked_mutex;
    std::set<std::int64_t> acked;
    std::atomic<bool> stop{false};
    std::atomic<long> unavailable{0}, other_errors{0}, writes_since_up{0};
    std::atomic<bool> counting{false};

    auto writer = [&](std::int64_t w) {
      for (std::int64_t i = 0; !stop; ++i) {
        std::int64_t id = w * 1'000'000'000 + i * 2;
        try {
          if (i % 5 == 0) {
            auto tx = db.transaction();
            entries.put({id, w, "tx-a"});
            entries.put({id + 1, w, "tx-b"});
            tx.commit();
            std::lock_guard lock(acked_mutex);
            acked.insert(id);
            acked.insert(id + 1);
          } else {
            entries.put({id, w, "put"});
            std::lock_guard lock(acked_mutex);
            acked.insert(id);
          }
          if (counting) ++writes_since_up;
        } catch (const stowage::error& e) {
          if (e.kind() == stowage::error_kind::unavailable) {
            ++unavailable;
          } else {
            ++other_errors;
            std::cerr << "postgres_restart: unexpected error: " << e.what() << "\n";
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
    };

    std::vector<std::thread> writers;
    for (std::int64_t w = 0; w < 4; ++w) writers.emplace_back(writer, w);
    for (int round = 0; round < rounds; ++round) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      long before = unavailable;
      if (run(scripts + "/pg-server down " + dir) != 0) return 2;
      // the writers meet the dead server at once; a loaded machine may take its time to run them,
      // so wait for the first failure (with a deadline) rather than for a fixed while
      auto down_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (unavailable <= before + 4 && std::chrono::steady_clock::now() < down_deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      check(unavailable > before, "round " + std::to_string(round) + ": no call failed while the server was down");
      counting = false;
      writes_since_up = 0;
      if (run(scripts + "/pg-server up " + dir) != 0) return 2;
      counting = true;
      // the writers get going again on their own
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (writes_since_up < 200 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      check(writes_since_up >= 200, "round " + std::to_string(round) + ": writes did not resume after the restart");
      std::cout << "round " << round + 1 << ": " << unavailable - before << " calls failed as unavailable, "
                << writes_since_up << " writes since the server came back\n";
    }
    stop = true;
    for (auto& t : writers) t.join();

    check(other_errors == 0, "calls failed with a kind other than unavailable");
    // every acknowledged write is there, read through a new database and through the old one
    stowage::database<stowage::postgres> fresh(url);
    auto again = fresh.table<entry>();
    std::vector<std::int64_t> keys(acked.begin(), acked.end());
    std::size_t missing = 0;
    for (const auto& found : again.get_many(keys)) missing += !found;
    check(missing == 0,
          std::to_string(missing) + " of " + std::to_string(keys.size()) + " acknowledged writes are missing");
    check(entries.count() >= keys.size(), "the old database object counts fewer records than were acknowledged");
    // a transaction is all or nothing: no transaction left half of itself
    std::size_t halves = 0;
    for (const entry& e : again.query(stowage::where<&entry::text> == std::string("tx-a")))
      halves += !again.get(e.id + 1).has_value();
    check(halves == 0, std::to_string(halves) + " transactions are half there");
    std::cout << "postgres_restart: " << keys.size() << " acknowledged writes all present, " << unavailable
              << " calls failed as unavailable, 0 other errors\n";
  }
  run(scripts + "/pg-server stop " + dir);
  if (failures) return 1;
  std::cout << "postgres_restart: ok\n";
  return 0;
}
