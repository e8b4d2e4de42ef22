// Crash test for the json_dir backend: a child process commits records to a json_dir store in a
// loop and reports each commit to the parent through a pipe once commit() has returned; the
// parent kills it with SIGKILL at a random moment, then looks at the files as the kill left them,
// reopens the store and checks that
//   - right after the kill every record file (<root>/<table>/<key>.json) parses as a JSON object
//     holding the record of its name: no write is ever seen half done; a journal left behind
//     parses too, and only the journal, temporary files and the lock are there besides;
//   - the store opens (which finishes a journal it finds) and afterwards the journal and every
//     temporary file are gone: only .lock, each table's .schema.json and record files remain,
//     and every record file still parses as the record of its name;
//   - every acknowledged record is present with the content that was written;
//   - every commit is all-or-nothing (a multi-record transaction or put_many is present in full
//     or not at all, and its marker record in a second, string-keyed table goes with it), and a
//     commit whose journal was found after the kill is present in full after the reopen;
//   - nothing committed is lost later, and at most one commit per kill is present unacknowledged
//     (the one that finished just before the kill, whose acknowledgement never got out).
// Keys accumulate across rounds: each child continues from the highest key in the store. Before
// each single put and inside each transaction the child also writes an older record again,
// unchanged, so that kills land while files holding committed records are being replaced too.
// The kill comes 1-150 ms after the child reports that it has opened the store (each commit
// flushes files and directories to disk several times, so a child needs that long for a few
// commits), or, in one round of four, 1-40 ms after the fork, so that some kills land while the
// store is being opened and recovered.
//
// Usage: json_dir_crash [kills = 50] [seed]. The seed is printed; pass it back to replay a run's
// choices (kill delays and what each child writes; the exact kill moments still vary).
#include <stowage/json.hpp>
#include <stowage/json_dir.hpp>

#include "harness.hpp"

#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

// One record per key. batch is the commit counter; every record of a commit carries it, the
// commit's first key and size and how it was written, so the store describes its own commits.
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
namespace fs = std::filesystem;
using db_t = stowage::database<stowage::json_dir>;

// The store's layout, as include/stowage/backend/json_dir.hpp documents it: <root>/.lock, the
// journal <root>/.journal, and per table <root>/<table>/.schema.json and <root>/<table>/<key>.json
// (both table names and all keys here are made of characters that file names keep as they are).
// Temporary files of interrupted writes start with ".tmp-".
const char* const entries_dir = "crash_entries";
const char* const markers_dir = "crash_markers";

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
    write_all("json_dir_crash", ack_fd, &ready, sizeof ready);
    std::mt19937_64 rng(seed);
    std::vector<Entry> records;
    for (;; ++batch) {
      std::int64_t mode = static_cast<std::int64_t>(rng() % 3);
      std::int64_t size = mode == mode_put ? 1 : 2 + static_cast<std::int64_t>(rng() % 7);
      records.clear();
      for (std::int64_t k = 0; k < size; ++k)
        records.push_back({next_id + k, batch, next_id, size, mode, payload_for(next_id + k)});
      // before a put and inside a transaction, an older record is written again as it is, so that
      // kills also land while a file that holds a committed record is being replaced
      std::optional<Entry> old;
      if (mode != mode_put_many && next_id > 1)
        old = entries.get(1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(next_id - 1)));
      switch (mode) {
        case mode_put:
          if (old) entries.put(*old);
          entries.put(records.front());
          break;
        case mode_tx: {
          auto tx = db.transaction();
          if (old) entries.put(*old);
          for (const Entry& e : records) entries.put(e);
          markers.put({marker_id(batch), batch, next_id, size});
          tx.commit();
          break;
        }
        default: entries.put_many(records); break;
      }
      ack a{batch, next_id, size, mode};
      write_all("json_dir_crash", ack_fd, &a, sizeof a);
      next_id += size;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "json_dir_crash child: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "json_dir_crash child: unknown exception\n");
  }
  ::_exit(3);
}

struct round_result {
  std::size_t commits = 0;
  std::int64_t keys = 0;
  std::uint64_t present = 0;
  bool landed_unacked = false;  // a commit finished but its acknowledgement never got out
  bool journal = false;         // the kill left a journal, finished by the reopen
  std::size_t temporaries = 0;  // temporary files the kill left, removed by the reopen
  std::size_t record_files = 0;
};

// Parses a file that must hold complete JSON; a torn or empty file is a failure.
nlohmann::json parse_whole(const fs::path& p, const char* when) {
  std::string text = slurp(p);
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    fail(std::string(when) + ", " + p.string() + " (" + std::to_string(text.size()) +
         " bytes) does not parse as JSON, a torn or partial file: " + e.what());
  }
}

// What the files say about the store.
struct file_census {
  std::size_t entry_files = 0, marker_files = 0, temporaries = 0;
  std::optional<nlohmann::json> journal;
};

// Looks at every file under the root. after_reopen: the store has been opened since the kill, so
// no journal and no temporary file may be left.
file_census check_files(const fs::path& root, bool after_reopen) {
  const char* when = after_reopen ? "after the reopen" : "right after the kill";
  file_census c;
  // a child killed right after the fork may not have created the store yet
  if (!after_reopen && !fs::exists(root)) return c;
  std::set<std::string> tables;
  for (const auto& e : fs::directory_iterator(root)) {
    std::string n = e.path().filename().string();
    if (n == ".lock" && e.is_regular_file()) continue;
    if (n == ".journal" && e.is_regular_file()) {
      if (after_reopen) fail("the journal " + e.path().string() + " is still there after the reopen");
      c.journal = parse_whole(e.path(), when);
      if (!c.journal->is_array()) fail(std::string(when) + ", the journal holds no JSON array");
      continue;
    }
    if (n.starts_with(".tmp-") && e.is_regular_file()) {
      if (after_reopen) fail("the temporary file " + e.path().string() + " is still there after the reopen");
      ++c.temporaries;
      continue;
    }
    if ((n == entries_dir || n == markers_dir) && e.is_directory()) {
      tables.insert(n);
      continue;
    }
    fail(std::string(when) + ", a stray file in the store: " + e.path().string());
  }
  if (after_reopen && tables.size() != 2) fail("after the reopen, a table directory is missing under " + root.string());

  for (const std::string& t : tables) {
    bool entries = t == entries_dir;
    for (const auto& e : fs::directory_iterator(root / t)) {
      std::string n = e.path().filename().string();
      if (!e.is_regular_file()) fail(std::string(when) + ", not a regular file: " + e.path().string());
      if (n.starts_with(".tmp-")) {
        if (after_reopen) fail("the temporary file " + e.path().string() + " is still there after the reopen");
        ++c.temporaries;
        continue;
      }
      if (n == ".schema.json") {
        auto doc = parse_whole(e.path(), when);
        if (!doc.is_object() || !doc.contains("columns") || !doc["columns"].is_array())
          fail(std::string(when) + ", the schema file " + e.path().string() + " holds no column list");
        continue;
      }
      if (n.size() <= 5 || n[0] == '.' || !n.ends_with(".json"))
        fail(std::string(when) + ", a stray file in the store: " + e.path().string());
      auto doc = parse_whole(e.path(), when);
      if (!doc.is_object()) fail(std::string(when) + ", " + e.path().string() + " holds no JSON object");
      // the file holds the record of its name, whole
      std::string stem = n.substr(0, n.size() - 5);
      auto id = doc.find("id");
      bool named = entries
                       ? id != doc.end() && id->is_number_integer() && std::to_string(id->get<std::int64_t>()) == stem
                       : id != doc.end() && id->is_string() && id->get<std::string>() == stem;
      if (!named) fail(std::string(when) + ", " + e.path().string() + " does not hold the record of its name");
      if (entries) {
        auto p = doc.find("payload");
        if (p == doc.end() || !p->is_string() || p->get<std::string>() != payload_for(id->get<std::int64_t>()))
          fail(std::string(when) + ", " + e.path().string() + " has the wrong payload");
        ++c.entry_files;
      } else {
        ++c.marker_files;
      }
    }
  }
  return c;
}

// The batches of the entries a journal writes.
std::set<std::int64_t> journal_batches(const nlohmann::json& journal) {
  std::set<std::int64_t> out;
  for (const auto& op : journal) {
    if (!op.is_object() || !op.contains("table") || !op.contains("content"))
      fail("a journal operation without table or content: " + op.dump());
    if (op["table"] != entries_dir || op["content"].is_null()) continue;
    if (!op["content"].is_string()) fail("a journal operation whose content is no string: " + op.dump());
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(op["content"].get<std::string>());
    } catch (const std::exception& e) {
      fail(std::string("a record in the journal does not parse: ") + e.what());
    }
    if (!doc.is_object() || !doc.contains("batch") || !doc["batch"].is_number_integer())
      fail("a record in the journal has no batch: " + doc.dump());
    out.insert(doc["batch"].get<std::int64_t>());
  }
  return out;
}

// Looks at the files after a kill, reopens the store and checks it against the ledger; records
// this round's acks.
void verify(const fs::path& root, const std::string& url, ledger& led, const std::vector<ack>& acks, int round,
            round_result& res) {
  res.keys = enter_acks(led, acks, round, "store");
  res.commits = acks.size();

  // the files as the kill left them
  file_census before = check_files(root, false);
  std::set<std::int64_t> journaled;
  if (before.journal) {
    res.journal = true;
    journaled = journal_batches(*before.journal);
  }
  res.temporaries = before.temporaries;

  std::optional<db_t> db;
  try {
    db.emplace(url);
  } catch (const std::exception& e) {
    fail(std::string("the store does not open after the kill: ") + e.what());
  }
  stowage::table<Entry, stowage::json_dir> entries = [&] {
    try {
      return db->table<Entry>();
    } catch (const std::exception& e) {
      fail(std::string("the entries table does not open after the kill: ") + e.what());
    }
  }();
  auto markers = db->table<Marker>();

  // the files once the store has been opened again
  file_census after = check_files(root, true);
  res.record_files = after.entry_files + after.marker_files;

  commit_scan scan = scan_entries(entries.query().order_by<&Entry::id>());
  res.present = scan.keys;
  if (entries.count() != res.present)
    fail("count() says " + std::to_string(entries.count()) + " but a scan finds " + std::to_string(res.present));
  if (after.entry_files != res.present)
    fail(std::to_string(after.entry_files) + " entry files but a scan finds " + std::to_string(res.present) +
         " records");
  check_acked_present(led, scan, "store");
  std::vector<Marker> all_markers = markers.query().to_vector();
  if (all_markers.size() != after.marker_files)
    fail(std::to_string(after.marker_files) + " marker files but a query finds " + std::to_string(all_markers.size()) +
         " markers");
  check_atomic(scan, all_markers);

  // a journal is the commit point: what it holds is there after the reopen
  for (std::int64_t b : journaled)
    if (!scan.present.count(b))
      fail("the kill left a journal of batch " + std::to_string(b) + " but the reopen did not finish it");

  res.landed_unacked = enter_unacked(led, scan, round);
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<int> kills = count_arg(argc, argv, 50, 100000);
  if (!kills) {
    std::cerr << "usage: json_dir_crash [kills = 50] [seed]\n";
    return 2;
  }
  const int rounds = *kills;
  std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : std::random_device{}();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> delay_after_open_ms(1, 150), delay_after_fork_ms(1, 40);

  const std::string dir = make_temp_dir("json_dir_crash", "stowage-jd-crash");
  if (dir.empty()) return 2;
  const fs::path root = fs::path(dir) / "store";
  const std::string url = "dir:" + root.string();

  std::cout << "json_dir_crash: " << rounds << " kills, seed " << seed << " (rerun: json_dir_crash " << rounds << " "
            << seed << "), store " << root.string() << "\n";
  auto started = clock_type::now();
  ledger led;
  int landed = 0, before_first_ack = 0, journals = 0;
  std::size_t temporaries = 0, record_files = 0;
  int round = 0;
  try {
    for (round = 1; round <= rounds; ++round) {
      bool from_fork = rng() % 4 == 0;
      int delay = from_fork ? delay_after_fork_ms(rng) : delay_after_open_ms(rng);
      std::uint64_t child_seed = rng();
      std::vector<ack> acks =
          run_and_kill([&](int ack_fd) { run_child(url, child_seed, ack_fd); }, delay, from_fork, "store");

      round_result res;
      verify(root, url, led, acks, round, res);
      if (res.landed_unacked) ++landed;
      if (acks.empty()) ++before_first_ack;
      if (res.journal) ++journals;
      temporaries += res.temporaries;
      record_files = res.record_files;
      std::cout << "round " << round << "/" << rounds << ": killed " << delay << " ms after "
                << (from_fork ? "fork" : "open") << ", acked " << res.keys << " keys in " << res.commits
                << " commits (total " << led.acked_keys << "), present " << res.present
                << (res.landed_unacked ? ", 1 unacked commit landed" : "")
                << (res.journal ? ", journal left and finished" : "");
      if (res.temporaries) std::cout << ", " << res.temporaries << " temporary file(s) left and removed";
      std::cout << ", ok\n";
    }
  } catch (const failure& f) {
    return report_failure("json_dir_crash: FAIL in round " + std::to_string(round) + "/" + std::to_string(rounds) +
                              " (seed " + std::to_string(seed) + ")",
                          f.message, "the store is kept in " + root.string());
  } catch (const std::exception& e) {
    return report_failure("json_dir_crash: FAIL in round " + std::to_string(round) + "/" + std::to_string(rounds) +
                              " (seed " + std::to_string(seed) + ")",
                          std::string("unexpected exception: ") + e.what(), "the store is kept in " + root.string());
  }

  std::ostringstream summary;
  summary.precision(1);
  summary << std::fixed << "json_dir_crash: all " << rounds << " rounds passed in " << seconds_since(started)
          << " s: " << led.acked_keys << " acknowledged keys in " << led.acked.size() << " commits all present, "
          << record_files << " record files all whole, " << landed << " kill(s) right after an unacknowledged commit, "
          << journals << " kill(s) leaving a journal, " << temporaries << " temporary file(s) left by kills, "
          << before_first_ack << " kill(s) before the first acknowledgement; seed " << seed;
  return report_pass("json_dir_crash", dir, summary.str());
}
