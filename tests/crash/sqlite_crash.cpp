// Crash test for the SQLite backend: a child process commits records to a SQLite file in a loop
// and reports each commit to the parent through a pipe once commit() has returned; the parent
// kills it with SIGKILL at a random moment, then reopens the file and checks that
//   - it opens cleanly and PRAGMA integrity_check says ok,
//   - every acknowledged record is present with the content that was written,
//   - every commit is all-or-nothing (a multi-record transaction or put_many is present in full
//     or not at all, and its marker record in a second, string-keyed table goes with it),
//   - nothing committed is lost later, and at most one commit per kill is present unacknowledged
//     (the one that finished just before the kill, whose acknowledgement never got out).
// Keys accumulate across rounds: each child continues from the highest key in the file.
// The kill comes 1-40 ms after the child reports that it has opened the file, or, in one round
// of four, 1-40 ms after the fork, so that some kills land while the file is being opened and
// recovered.
//
// Usage: sqlite_crash [kills = 50] [seed]. The seed is printed; pass it back to replay a run's
// choices (kill delays and what each child writes; the exact kill moments still vary).
#include <stowage/sqlite.hpp>

#include "harness.hpp"

#include <cstdint>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

// One record per key. batch is the commit counter; every record of a commit carries it, the
// commit's first key and size and how it was written, so the file describes its own commits.
struct Entry {
  // clang-format off
  BOOST_HANA_DEFINE_STRUCT(Entry,
    (std::int64_t, id),
    (std::int64_t, batch),
    (std::int64_t, first),
    (std::int64_t, size),
    (std::int64_t, mode),
    (std::string, payload));
  // clang-format on
};

// Written in the same transaction as the entries of a mode_tx commit: a second table, string key.
struct Marker {
  // clang-format off
  BOOST_HANA_DEFINE_STRUCT(Marker,
    (std::string, id),
    (std::int64_t, batch),
    (std::int64_t, first),
    (std::int64_t, size));
  // clang-format on
};

template <>
struct stowage::record_traits<Entry> {
  static constexpr std::string_view table = "crash_entries";
};
template <>
struct stowage::record_traits<Marker> {
  static constexpr std::string_view table = "crash_markers";
};

namespace {

using namespace crash;
using db_t = stowage::database<stowage::sqlite>;

// The child: commits forever, acknowledging each commit after it returns. Never returns.
[[noreturn]] void run_child(const std::string& url, std::uint64_t seed, int ack_fd) {
  try {
    db_t db{url};
    auto entries = db.table<Entry>();
    auto markers = db.table<Marker>();
    std::int64_t next_id = 1, batch = 1;
    if (auto last = entries.query().order_by<&Entry::id>(stowage::desc).first()) {
      next_id = last->id + 1;
      batch = last->batch + 1;
    }
    ack ready{0, next_id, 0, 0};
    write_all("sqlite_crash", ack_fd, &ready, sizeof ready);
    std::mt19937_64 rng(seed);
    std::vector<Entry> records;
    for (;; ++batch) {
      std::int64_t mode = static_cast<std::int64_t>(rng() % 3);
      std::int64_t size = mode == mode_put ? 1 : 2 + static_cast<std::int64_t>(rng() % 7);
      records.clear();
      for (std::int64_t k = 0; k < size; ++k)
        records.push_back({next_id + k, batch, next_id, size, mode, payload_for(next_id + k)});
      switch (mode) {
        case mode_put: entries.put(records.front()); break;
        case mode_tx: {
          auto tx = db.transaction();
          for (const Entry& e : records) entries.put(e);
          markers.put({marker_id(batch), batch, next_id, size});
          tx.commit();
          break;
        }
        default: entries.put_many(records); break;
      }
      ack a{batch, next_id, size, mode};
      write_all("sqlite_crash", ack_fd, &a, sizeof a);
      next_id += size;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sqlite_crash child: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "sqlite_crash child: unknown exception\n");
  }
  ::_exit(3);
}

struct round_result {
  std::size_t commits = 0;
  std::int64_t keys = 0;
  std::uint64_t present = 0;
  bool landed_unacked = false;  // a commit finished but its acknowledgement never got out
};

// Opens the file after a kill and checks it against the ledger; records this round's acks.
void verify(const std::string& url, ledger& led, const std::vector<ack>& acks, int round, round_result& res) {
  res.keys = enter_acks(led, acks, round, "file");
  res.commits = acks.size();

  std::optional<db_t> db;
  try {
    db.emplace(url);
  } catch (const std::exception& e) {
    fail(std::string("the file does not open after the kill: ") + e.what());
  }
  {
    std::lock_guard lock(db->lock());
    sqlite3* h = db->backend().native_handle();
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, nullptr) != SQLITE_OK)
      fail(std::string("cannot prepare PRAGMA integrity_check: ") + sqlite3_errmsg(h));
    std::vector<std::string> lines;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      lines.emplace_back(t ? reinterpret_cast<const char*>(t) : "(null)");
    }
    std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(h);
    sqlite3_finalize(st);
    if (!err.empty()) fail("PRAGMA integrity_check failed: " + err);
    if (lines.size() != 1 || lines[0] != "ok") {
      std::string all;
      for (const auto& l : lines) all += "\n  " + l;
      fail("PRAGMA integrity_check does not say ok:" + all);
    }
  }

  stowage::table<Entry, stowage::sqlite> entries = [&] {
    try {
      return db->table<Entry>();
    } catch (const std::exception& e) {
      fail(std::string("the entries table does not open after the kill: ") + e.what());
    }
  }();
  auto markers = db->table<Marker>();

  commit_scan scan = scan_entries(entries.query().order_by<&Entry::id>());
  res.present = scan.keys;
  if (entries.count() != res.present)
    fail("count() says " + std::to_string(entries.count()) + " but a scan finds " + std::to_string(res.present));
  check_acked_present(led, scan, "file");
  check_atomic(scan, markers.query().to_vector());
  res.landed_unacked = enter_unacked(led, scan, round);
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<int> kills = count_arg(argc, argv, 50, 100000);
  if (!kills) {
    std::cerr << "usage: sqlite_crash [kills = 50] [seed]\n";
    return 2;
  }
  const int rounds = *kills;
  std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : std::random_device{}();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> delay_ms(1, 40);

  const std::string dir = make_temp_dir("sqlite_crash", "stowage-crash");
  if (dir.empty()) return 2;
  const std::string url = "file:" + dir + "/crash.db";

  std::cout << "sqlite_crash: " << rounds << " kills, seed " << seed << " (rerun: sqlite_crash " << rounds << " "
            << seed << "), file " << dir << "/crash.db\n";
  auto started = clock_type::now();
  ledger led;
  int landed = 0, before_first_ack = 0;
  int round = 0;
  try {
    for (round = 1; round <= rounds; ++round) {
      int delay = delay_ms(rng);
      bool from_fork = rng() % 4 == 0;
      std::uint64_t child_seed = rng();
      std::vector<ack> acks =
          run_and_kill([&](int ack_fd) { run_child(url, child_seed, ack_fd); }, delay, from_fork, "file");

      round_result res;
      verify(url, led, acks, round, res);
      if (res.landed_unacked) ++landed;
      if (acks.empty()) ++before_first_ack;
      std::cout << "round " << round << "/" << rounds << ": killed " << delay << " ms after "
                << (from_fork ? "fork" : "open") << ", acked " << res.keys << " keys in " << res.commits
                << " commits (total " << led.acked_keys << "), present " << res.present
                << (res.landed_unacked ? ", 1 unacked commit landed" : "") << ", ok\n";
    }
  } catch (const failure& f) {
    return report_failure("sqlite_crash: FAIL in round " + std::to_string(round) + "/" + std::to_string(rounds) +
                              " (seed " + std::to_string(seed) + ")",
                          f.message, "the file is kept in " + dir);
  } catch (const std::exception& e) {
    return report_failure("sqlite_crash: FAIL in round " + std::to_string(round) + "/" + std::to_string(rounds) +
                              " (seed " + std::to_string(seed) + ")",
                          std::string("unexpected exception: ") + e.what(), "the file is kept in " + dir);
  }

  std::ostringstream summary;
  summary.precision(1);
  summary << std::fixed << "sqlite_crash: all " << rounds << " rounds passed in " << seconds_since(started)
          << " s: " << led.acked_keys << " acknowledged keys in " << led.acked.size() << " commits all present, "
          << landed << " kill(s) right after an unacknowledged commit, " << before_first_ack
          << " kill(s) before the first acknowledgement; seed " << seed;
  return report_pass("sqlite_crash", dir, summary.str());
}
