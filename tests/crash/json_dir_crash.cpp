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
#include <stowage/json_dir.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
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

namespace fs = std::filesystem;
using db_t = stowage::database<stowage::json_dir>;
using clock_type = std::chrono::steady_clock;

// The store's layout, as include/stowage/backend/json_dir.hpp documents it: <root>/.lock, the
// journal <root>/.journal, and per table <root>/<table>/.schema.json and <root>/<table>/<key>.json
// (both table names and all keys here are made of characters that file names keep as they are).
// Temporary files of interrupted writes start with ".tmp-".
const char* const entries_dir = "crash_entries";
const char* const markers_dir = "crash_markers";

enum : std::int64_t { mode_put = 0, mode_tx = 1, mode_put_many = 2 };
const char* const mode_names[] = {"put", "transaction", "put_many"};

// What the child writes to the pipe after a commit returns: fixed size, far below PIPE_BUF, so
// each write() is atomic and the parent always reads whole acknowledgements. Batch 0 means the
// child has opened the store and is about to commit.
struct ack {
  std::int64_t batch;
  std::int64_t first;
  std::int64_t size;
  std::int64_t mode;
};

// The payload of a key: a few hundred bytes, a function of the key alone.
std::string payload_for(std::int64_t id) {
  auto len = static_cast<std::size_t>(200 + id * 7919 % 301);
  std::string s = "key " + std::to_string(id) + ":";
  std::uint64_t x = static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull + 1;
  while (s.size() < len) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s += static_cast<char>('a' + (x * 0x2545F4914F6CDD1Dull >> 58) % 26);
  }
  return s;
}

std::string marker_id(std::int64_t batch) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "batch-%012lld", static_cast<long long>(batch));
  return buf;
}

void write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "json_dir_crash child: cannot write to the pipe: %s\n", std::strerror(errno));
      ::_exit(4);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

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
    write_all(ack_fd, &ready, sizeof ready);
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
      write_all(ack_fd, &a, sizeof a);
      next_id += size;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "json_dir_crash child: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "json_dir_crash child: unknown exception\n");
  }
  ::_exit(3);
}

struct failure {
  std::string message;
};

[[noreturn]] void fail(const std::string& msg) { throw failure{msg}; }

struct batch_info {
  std::int64_t first = 0, size = 0, mode = 0;
  int round = 0;
};

// Everything the parent knows across rounds.
struct ledger {
  std::map<std::int64_t, batch_info> acked;    // batch -> commit, acknowledged by a child
  std::map<std::int64_t, batch_info> unacked;  // batch -> commit found in the store but never acknowledged
  std::int64_t acked_keys = 0;
};

struct round_result {
  std::size_t commits = 0;
  std::int64_t keys = 0;
  std::uint64_t present = 0;
  bool landed_unacked = false;  // a commit finished but its acknowledgement never got out
  bool journal = false;         // the kill left a journal, finished by the reopen
  std::size_t temporaries = 0;  // temporary files the kill left, removed by the reopen
  std::size_t record_files = 0;
};

// Reads what the pipe has and appends the whole acks in it (noting the ready message); false at EOF.
bool read_acks(int fd, std::string& pending, std::vector<ack>& out, bool& ready) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return true;
    fail(std::string("cannot read the pipe: ") + std::strerror(errno));
  }
  if (n == 0) return false;
  pending.append(buf, static_cast<std::size_t>(n));
  std::size_t whole = pending.size() / sizeof(ack) * sizeof(ack);
  for (std::size_t off = 0; off < whole; off += sizeof(ack)) {
    ack a;
    std::memcpy(&a, pending.data() + off, sizeof a);
    if (a.batch == 0) ready = true;  // the ready message
    if (a.batch != 0) out.push_back(a);
  }
  pending.erase(0, whole);
  return true;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) fail("cannot open " + p.string() + " to read it");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

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
  // the acks themselves: consecutive batches and keys, nothing acknowledged twice
  for (std::size_t i = 0; i < acks.size(); ++i) {
    const ack& a = acks[i];
    if (a.mode < 0 || a.mode > 2 || a.size < 1) fail("malformed acknowledgement for batch " + std::to_string(a.batch));
    if (led.acked.count(a.batch))
      fail("batch " + std::to_string(a.batch) + " was acknowledged again (first in round " +
           std::to_string(led.acked[a.batch].round) + "): a child saw an older store than was acknowledged");
    if (led.unacked.count(a.batch))
      fail("batch " + std::to_string(a.batch) + ", found committed after round " +
           std::to_string(led.unacked[a.batch].round) + ", was written again: a child saw an older store");
    if (i > 0 && (a.batch != acks[i - 1].batch + 1 || a.first != acks[i - 1].first + acks[i - 1].size))
      fail("acknowledgements out of sequence at batch " + std::to_string(a.batch));
    led.acked[a.batch] = {a.first, a.size, a.mode, round};
    led.acked_keys += a.size;
    res.keys += a.size;
  }
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

  // every record: right content, consecutive keys from 1; collect the commits present
  struct found {
    std::int64_t first, size, mode, records;  // size: what the commit was written with
  };
  std::map<std::int64_t, found> present;  // batch -> commit
  std::vector<char> have(1, 0);
  std::int64_t expect_id = 1;
  for (const Entry& e : entries.query().order_by<&Entry::id>()) {
    if (e.id != expect_id)
      fail("key " + std::to_string(expect_id) + " is absent but key " + std::to_string(e.id) +
           " is present: keys are written in order, so a committed record was lost");
    ++expect_id;
    if (e.payload != payload_for(e.id))
      fail("key " + std::to_string(e.id) + " has the wrong payload (" + std::to_string(e.payload.size()) + " bytes)");
    if (e.mode < 0 || e.mode > 2 || e.size < 1 || e.id < e.first || e.id >= e.first + e.size)
      fail("key " + std::to_string(e.id) + " has inconsistent fields (batch " + std::to_string(e.batch) + ")");
    auto [it, fresh] = present.try_emplace(e.batch, found{e.first, e.size, e.mode, 0});
    if (!fresh && (it->second.first != e.first || it->second.size != e.size || it->second.mode != e.mode))
      fail("key " + std::to_string(e.id) + " disagrees with the other records of batch " + std::to_string(e.batch));
    ++it->second.records;
    have.push_back(1);
  }
  res.present = static_cast<std::uint64_t>(expect_id - 1);
  if (entries.count() != res.present)
    fail("count() says " + std::to_string(entries.count()) + " but a scan finds " + std::to_string(res.present));
  if (after.entry_files != res.present)
    fail(std::to_string(after.entry_files) + " entry files but a scan finds " + std::to_string(res.present) +
         " records");

  // every acknowledged key is present, as its commit wrote it
  for (const auto& [b, info] : led.acked) {
    for (std::int64_t k = info.first; k < info.first + info.size; ++k)
      if (k >= static_cast<std::int64_t>(have.size()) || !have[static_cast<std::size_t>(k)])
        fail("acknowledged key " + std::to_string(k) + " is missing (batch " + std::to_string(b) + ", a " +
             mode_names[info.mode] + " of " + std::to_string(info.size) + " record(s) acknowledged in round " +
             std::to_string(info.round) + ")");
    auto it = present.find(b);
    if (it == present.end() || it->second.first != info.first || it->second.size != info.size ||
        it->second.mode != info.mode)
      fail("acknowledged batch " + std::to_string(b) + " (first key " + std::to_string(info.first) +
           ") is not in the store as it was written");
  }

  // all or nothing: each commit present in full; a transaction's marker goes with its records
  for (const auto& [b, f] : present)
    if (f.records != f.size)
      fail("batch " + std::to_string(b) + " (" + mode_names[f.mode] + ") is partly present: " +
           std::to_string(f.records) + " of " + std::to_string(f.size) + " records, first key " +
           std::to_string(f.first) + ", missing key " + std::to_string(f.first + f.records) + ": not atomic");
  std::map<std::int64_t, const Marker*> marker_of;
  std::vector<Marker> all_markers = markers.query().to_vector();
  if (all_markers.size() != after.marker_files)
    fail(std::to_string(after.marker_files) + " marker files but a query finds " + std::to_string(all_markers.size()) +
         " markers");
  for (const Marker& m : all_markers) {
    if (m.id != marker_id(m.batch)) fail("marker " + m.id + " names batch " + std::to_string(m.batch));
    auto it = present.find(m.batch);
    if (it == present.end() || it->second.mode != mode_tx || it->second.first != m.first || it->second.size != m.size)
      fail("marker " + m.id + " is present but its transaction's records are not: not atomic");
    marker_of[m.batch] = &m;
  }
  for (const auto& [b, f] : present)
    if (f.mode == mode_tx && !marker_of.count(b))
      fail("transaction batch " + std::to_string(b) + " has its records but not its marker " + marker_id(b) +
           ": not atomic");

  // a journal is the commit point: what it holds is there after the reopen
  for (std::int64_t b : journaled)
    if (!present.count(b))
      fail("the kill left a journal of batch " + std::to_string(b) + " but the reopen did not finish it");

  // commits present but never acknowledged: at most one per kill, the newest, and never lost later
  for (const auto& [b, info] : led.unacked)
    if (!present.count(b))
      fail("batch " + std::to_string(b) + ", found committed after round " + std::to_string(info.round) +
           ", is gone (first key " + std::to_string(info.first) + ")");
  std::int64_t newest_acked = led.acked.empty() ? 0 : led.acked.rbegin()->first;
  for (const auto& [b, f] : present) {
    if (led.acked.count(b) || led.unacked.count(b)) continue;
    if (res.landed_unacked)
      fail("more than one commit of round " + std::to_string(round) + " is present unacknowledged (batch " +
           std::to_string(b) + ")");
    if (b < newest_acked)
      fail("batch " + std::to_string(b) + " is present unacknowledged but older than acknowledged batch " +
           std::to_string(newest_acked));
    res.landed_unacked = true;
    led.unacked[b] = {f.first, f.size, f.mode, round};
  }
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 50;
  if (argc > 1) {
    char* end = nullptr;
    long n = std::strtol(argv[1], &end, 10);
    if (!end || *end || n < 1 || n > 100000) {
      std::cerr << "usage: json_dir_crash [kills = 50] [seed]\n";
      return 2;
    }
    rounds = static_cast<int>(n);
  }
  std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : std::random_device{}();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> delay_after_open_ms(1, 150), delay_after_fork_ms(1, 40);

  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/stowage-jd-crash-XXXXXX";
  std::vector<char> dir_buf(templ.begin(), templ.end());
  dir_buf.push_back('\0');
  if (!::mkdtemp(dir_buf.data())) {
    std::cerr << "json_dir_crash: cannot create a directory from " << templ << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  const std::string dir = dir_buf.data();
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
      int fds[2];
      if (::pipe(fds) != 0) fail(std::string("pipe: ") + std::strerror(errno));
      std::cout.flush();
      std::cerr.flush();
      pid_t pid = ::fork();
      if (pid < 0) fail(std::string("fork: ") + std::strerror(errno));
      if (pid == 0) {
        ::close(fds[0]);
        run_child(url, child_seed, fds[1]);
      }
      ::close(fds[1]);

      // read acknowledgements until the kill moment
      std::vector<ack> acks;
      std::string pending;
      bool ready = false, open = true;
      auto forked = clock_type::now();
      std::optional<clock_type::time_point> deadline;
      if (from_fork) deadline = forked + std::chrono::milliseconds(delay);
      while (open) {
        if (!deadline && ready) deadline = clock_type::now() + std::chrono::milliseconds(delay);
        auto until = deadline ? *deadline : forked + std::chrono::seconds(10);
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(until - clock_type::now()).count();
        if (left <= 0) {
          if (!deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            fail("the child did not open the store within 10 s");
          }
          break;
        }
        pollfd p{fds[0], POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>((left + 999) / 1000));
        if (r < 0 && errno != EINTR) fail(std::string("poll: ") + std::strerror(errno));
        if (r > 0) open = read_acks(fds[0], pending, acks, ready);
      }
      ::kill(pid, SIGKILL);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) fail(std::string("waitpid: ") + std::strerror(errno));
      if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
        fail("the child ended by itself before the kill (" +
             (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                : "signal " + std::to_string(WTERMSIG(status))) +
             "); see its message above");
      // what it acknowledged before it died is still in the pipe
      while (read_acks(fds[0], pending, acks, ready)) {
      }
      ::close(fds[0]);
      if (!pending.empty()) fail("a partial acknowledgement of " + std::to_string(pending.size()) + " bytes");

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
    std::cout.flush();
    std::cerr << "json_dir_crash: FAIL in round " << round << "/" << rounds << " (seed " << seed << "): " << f.message
              << "\n  the store is kept in " << root.string() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "json_dir_crash: FAIL in round " << round << "/" << rounds << " (seed " << seed
              << "): unexpected exception: " << e.what() << "\n  the store is kept in " << root.string() << "\n";
    return 1;
  }

  double secs = std::chrono::duration<double>(clock_type::now() - started).count();
  std::error_code ec;
  fs::remove_all(dir, ec);
  std::ostringstream summary;
  summary.precision(1);
  summary << std::fixed << "json_dir_crash: all " << rounds << " rounds passed in " << secs << " s: " << led.acked_keys
          << " acknowledged keys in " << led.acked.size() << " commits all present, " << record_files
          << " record files all whole, " << landed << " kill(s) right after an unacknowledged commit, " << journals
          << " kill(s) leaving a journal, " << temporaries << " temporary file(s) left by kills, " << before_first_ack
          << " kill(s) before the first acknowledgement; seed " << seed;
  std::cout << summary.str() << "\n";
  if (ec) std::cerr << "json_dir_crash: warning: cannot remove " << dir << ": " << ec.message() << "\n";
  return 0;
}
