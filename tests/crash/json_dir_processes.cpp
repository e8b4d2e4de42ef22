// Several processes share one json_dir store: four writer processes, each with its own
// database<json_dir>, write at once while a reader process queries the store without pause.
// Each writer
//   - puts 100 records of its own, one at a time, and rewrites every fourth of them once more;
//   - every fifth put, runs a transaction that reads the shared counter record, adds one and
//     writes it back together with a record of its own holding the value it wrote (a
//     transaction holds the store's lock from begin to end, so no increment can be lost);
//   - every twentieth put, stores 8 records of its own with one put_many.
// The reader, until the writers are done, runs queries and gets and checks that every record it
// sees decodes (a stowage::corrupt_error would mean a torn or unparsable file) and holds the
// content its key and version call for, that the shared counter never goes down and that no
// record it has seen disappears. Then the parent opens the store and checks that every record
// is there with its last content, that the counter equals the number of increments and that the
// increments saw every value from 1 to that number exactly once; and that every file under the
// store parses, with nothing left besides the lock, the schema files and the record files.
//
// Usage: json_dir_processes [writers = 4]. Exits non-zero with a message on any failure.
#include <stowage/json.hpp>
#include <stowage/json_dir.hpp>

#include "harness.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// A writer's record. kind: 0 a single put, 1 written by an increment, 2 by a put_many.
struct Item {
  // clang-format off
  BOOST_HANA_DEFINE_STRUCT(Item,
    (std::string, id),
    (std::int64_t, writer),
    (std::int64_t, kind),
    (std::int64_t, version),
    (std::int64_t, counter),
    (std::string, payload));
  // clang-format on
};

// The record every writer increments.
struct Counter {
  // clang-format off
  BOOST_HANA_DEFINE_STRUCT(Counter,
    (std::string, id),
    (std::int64_t, value),
    (std::int64_t, last_writer));
  // clang-format on
};

template <>
struct stowage::record_traits<Item> {
  static constexpr std::string_view table = "proc_items";
};
template <>
struct stowage::record_traits<Counter> {
  static constexpr std::string_view table = "proc_counters";
};

namespace {

namespace fs = std::filesystem;
using db_t = stowage::database<stowage::json_dir>;
using crash::clock_type;
using crash::fail;
using crash::failure;

constexpr int puts_per_writer = 100;
constexpr int increment_every = 5;  // 20 increments per writer
constexpr int put_many_every = 20;  // 5 put_many per writer
constexpr int put_many_size = 8;
constexpr int rewrite_every = 4;  // 25 rewrites per writer
const char* const counter_id = "shared";
constexpr auto time_limit = std::chrono::seconds(120);

enum : std::int64_t { kind_put = 0, kind_increment = 1, kind_put_many = 2 };

// A payload of 100-400 bytes, a function of the key and its version alone.
std::string payload_for(const std::string& id, std::int64_t version) {
  std::uint64_t x = 14695981039346656037ull;
  for (char c : id) x = (x ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  x ^= static_cast<std::uint64_t>(version) * 0x9E3779B97F4A7C15ull;
  std::string s = id + " v" + std::to_string(version) + ":";
  std::size_t len = 100 + x % 301;
  while (s.size() < len) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s += static_cast<char>('a' + (x * 0x2545F4914F6CDD1Dull >> 58) % 26);
  }
  return s;
}

std::string key(int writer, const char* what, int n, int k = -1) {
  char buf[64];
  if (k < 0)
    std::snprintf(buf, sizeof buf, "w%d-%s-%03d", writer, what, n);
  else
    std::snprintf(buf, sizeof buf, "w%d-%s-%03d-%d", writer, what, n, k);
  return buf;
}

Item item(int writer, std::int64_t kind, std::string id, std::int64_t version = 1, std::int64_t counter = 0) {
  std::string payload = payload_for(id, version);
  return {std::move(id), writer, kind, version, counter, std::move(payload)};
}

// What the store must hold in the end, from what the writers were told to do.
std::map<std::string, Item> expected_items(int writers) {
  std::map<std::string, Item> out;
  for (int w = 0; w < writers; ++w) {
    int increments = 0, many = 0;
    for (int i = 0; i < puts_per_writer; ++i) {
      out[key(w, "put", i)] = item(w, kind_put, key(w, "put", i));
      if (i % rewrite_every == rewrite_every - 1)
        out[key(w, "put", i - 2)] = item(w, kind_put, key(w, "put", i - 2), 2);
      if (i % increment_every == increment_every - 1) {
        std::string id = key(w, "inc", increments++);
        out[id] = item(w, kind_increment, id);  // its counter field is checked separately
      }
      if (i % put_many_every == put_many_every - 1) {
        for (int k = 0; k < put_many_size; ++k)
          out[key(w, "many", many, k)] = item(w, kind_put_many, key(w, "many", many, k));
        ++many;
      }
    }
  }
  return out;
}

int increments_per_writer() { return puts_per_writer / increment_every; }

// The writer: its share of the work, then exit status 0; a message and 1 on an exception.
[[noreturn]] void run_writer(const std::string& url, int w, int go_fd) {
  try {
    char c;
    while (::read(go_fd, &c, 1) < 0 && errno == EINTR) {
    }  // EOF: the parent says go
    ::close(go_fd);
    db_t db{url};
    auto items = db.table<Item>();
    auto counters = db.table<Counter>();
    int increments = 0, many = 0;
    for (int i = 0; i < puts_per_writer; ++i) {
      items.put(item(w, kind_put, key(w, "put", i)));
      if (i % rewrite_every == rewrite_every - 1) items.put(item(w, kind_put, key(w, "put", i - 2), 2));
      if (i % increment_every == increment_every - 1) {
        auto tx = db.transaction();
        auto current = counters.get(counter_id);
        std::int64_t value = current ? current->value + 1 : 1;
        counters.put({counter_id, value, w});
        items.put(item(w, kind_increment, key(w, "inc", increments++), 1, value));
        tx.commit();
      }
      if (i % put_many_every == put_many_every - 1) {
        std::vector<Item> batch;
        for (int k = 0; k < put_many_size; ++k) batch.push_back(item(w, kind_put_many, key(w, "many", many, k)));
        items.put_many(batch);
        ++many;
      }
    }
    std::fflush(stdout);
    ::_exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "json_dir_processes: writer %d: %s\n", w, e.what());
  } catch (...) {
    std::fprintf(stderr, "json_dir_processes: writer %d: unknown exception\n", w);
  }
  ::_exit(1);
}

// What the reader tells the parent when it is done.
struct reader_report {
  std::int64_t rounds = 0, queries = 0, gets = 0, records_seen = 0, max_records = 0, max_counter = 0;
  std::int64_t counter_changes = 0;
};

// Checks a record as the reader or the parent finds it: its content follows from its key.
void check_item(const Item& it, const char* where) {
  int w = -1;
  char what[16] = {};
  if (std::sscanf(it.id.c_str(), "w%d-%15[a-z]-", &w, what) != 2 || w != it.writer)
    fail(std::string(where) + ": record " + it.id + " names writer " + std::to_string(it.writer));
  std::int64_t kind = std::strcmp(what, "put") == 0   ? kind_put
                      : std::strcmp(what, "inc") == 0 ? kind_increment
                                                      : kind_put_many;
  if (it.kind != kind) fail(std::string(where) + ": record " + it.id + " has kind " + std::to_string(it.kind));
  if (it.version < 1 || it.version > 2 || (it.version == 2 && kind != kind_put))
    fail(std::string(where) + ": record " + it.id + " has version " + std::to_string(it.version));
  if (it.payload != payload_for(it.id, it.version))
    fail(std::string(where) + ": record " + it.id + " version " + std::to_string(it.version) +
         " has the wrong payload (" + std::to_string(it.payload.size()) + " bytes)");
  if ((kind == kind_increment) != (it.counter > 0))
    fail(std::string(where) + ": record " + it.id + " has counter " + std::to_string(it.counter));
}

// The reader: queries and gets until stop_fd reaches EOF. Exit status 0 after sending its
// report; 1 with a message when it saw something wrong.
[[noreturn]] void run_reader(const std::string& url, int writers, int ready_fd, int stop_fd, int report_fd) {
  const char* where = "reader";
  try {
    db_t db{url};
    auto items = db.table<Item>();
    auto counters = db.table<Counter>();
    char c = 'r';
    if (::write(ready_fd, &c, 1) != 1) fail("cannot tell the parent it is ready");
    ::close(ready_fd);
    std::mt19937 rng(12345);
    reader_report rep;
    std::set<std::string> seen;
    std::map<std::string, std::int64_t> version_seen;
    std::int64_t last_counter = 0;
    auto see = [&](const Item& it) {
      check_item(it, where);
      auto [v, fresh] = version_seen.try_emplace(it.id, it.version);
      if (!fresh && it.version < v->second)
        fail("reader: record " + it.id + " went back from version " + std::to_string(v->second) + " to " +
             std::to_string(it.version));
      v->second = it.version;
      seen.insert(it.id);
      ++rep.records_seen;
    };
    auto see_counter = [&](const std::optional<Counter>& cnt) {
      std::int64_t v = cnt ? cnt->value : 0;
      if (cnt && (cnt->id != counter_id || cnt->last_writer < 0 || cnt->last_writer >= writers))
        fail("reader: the counter record is malformed");
      if (v < last_counter)
        fail("reader: the counter went down from " + std::to_string(last_counter) + " to " + std::to_string(v));
      if (v > static_cast<std::int64_t>(writers) * increments_per_writer())
        fail("reader: the counter is " + std::to_string(v) + ", more than all increments together");
      if (v != last_counter) ++rep.counter_changes;
      last_counter = v;
      rep.max_counter = std::max(rep.max_counter, v);
    };
    for (;;) {
      pollfd p{stop_fd, POLLIN, 0};
      if (::poll(&p, 1, 0) > 0) break;  // EOF: the writers are done
      ++rep.rounds;
      // a full scan: every record seen before is still there
      std::vector<Item> all = items.query().to_vector();
      ++rep.queries;
      std::set<std::string> now;
      for (const Item& it : all) {
        if (!now.insert(it.id).second) fail("reader: a query yields record " + it.id + " twice");
        see(it);
      }
      for (const std::string& id : seen)
        if (!now.count(id)) fail("reader: record " + id + ", seen before, is missing from a query");
      rep.max_records = std::max(rep.max_records, static_cast<std::int64_t>(all.size()));
      // an ordered, limited query, and a count
      for (const Item& it : items.query().order_by<&Item::id>(stowage::desc).limit(10)) see(it);
      ++rep.queries;
      std::uint64_t n = items.count();
      ++rep.queries;
      if (n < all.size())
        fail("reader: count() is " + std::to_string(n) + " after a query found " + std::to_string(all.size()));
      // gets of keys that may or may not exist yet, and of the counter
      for (int g = 0; g < 20; ++g) {
        int w = static_cast<int>(rng() % static_cast<unsigned>(writers));
        std::string id = key(w, "put", static_cast<int>(rng() % puts_per_writer));
        auto got = items.get(id);
        ++rep.gets;
        if (got) {
          if (got->id != id) fail("reader: get(" + id + ") returned record " + got->id);
          see(*got);
        } else if (seen.count(id)) {
          fail("reader: get(" + id + ") finds nothing, but the record was seen before");
        }
        see_counter(counters.get(counter_id));
        ++rep.gets;
      }
    }
    ::close(stop_fd);
    if (::write(report_fd, &rep, sizeof rep) != static_cast<ssize_t>(sizeof rep)) fail("cannot send the report");
    ::_exit(0);
  } catch (const failure& f) {
    std::fprintf(stderr, "json_dir_processes: FAIL: %s\n", f.message.c_str());
  } catch (const stowage::corrupt_error& e) {
    std::fprintf(stderr, "json_dir_processes: FAIL: the reader met a torn or unparsable record: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "json_dir_processes: FAIL: the reader got an exception: %s\n", e.what());
  }
  ::_exit(1);
}

// Every file under the root: only .lock and the two table directories, each holding its
// .schema.json and record files that parse as JSON objects; returns the number of record files.
std::size_t check_files(const fs::path& root) {
  std::size_t records = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    fs::path rel = fs::relative(e.path(), root);
    std::string n = e.path().filename().string();
    if (rel == ".lock" && e.is_regular_file()) continue;
    if ((rel == "proc_items" || rel == "proc_counters") && e.is_directory()) continue;
    bool in_table =
        rel.has_parent_path() && (rel.parent_path() == "proc_items" || rel.parent_path() == "proc_counters");
    if (!in_table || !e.is_regular_file() || !n.ends_with(".json") || n.size() <= 5 ||
        (n[0] == '.' && n != ".schema.json"))
      fail("a stray file in the store: " + e.path().string());
    std::string text = crash::slurp(e.path());
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text);
    } catch (const std::exception& ex) {
      fail(e.path().string() + " does not parse as JSON: " + ex.what());
    }
    if (!doc.is_object()) fail(e.path().string() + " holds no JSON object");
    if (n != ".schema.json") ++records;
  }
  return records;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<int> writer_count = crash::count_arg(argc, argv, 4, 64);
  if (!writer_count) {
    std::cerr << "usage: json_dir_processes [writers = 4]\n";
    return 2;
  }
  const int writers = *writer_count;
  const std::string dir = crash::make_temp_dir("json_dir_processes", "stowage-jd-procs");
  if (dir.empty()) return 2;
  const fs::path root = fs::path(dir) / "store";
  // Under a busy CI machine (a gigabyte being written next door), one writer's fsyncs can keep the lock
  // for seconds: the writers wait for it far longer than the default 5 s, and the time limit below
  // still catches a lock that is never released.
  const std::string url = "dir:" + root.string() + "?lock_timeout=60000";
  const int increments = writers * increments_per_writer();
  std::cout << "json_dir_processes: " << writers << " writers and 1 reader on store " << root.string() << "\n";

  std::vector<pid_t> children;
  auto kill_all = [&] {
    for (pid_t p : children)
      if (p > 0) ::kill(p, SIGKILL);
    for (pid_t p : children)
      if (p > 0) ::waitpid(p, nullptr, 0);
    children.clear();
  };
  auto started = clock_type::now();
  double writers_secs = 0;
  reader_report rep;
  try {
    {  // the tables exist before anyone forks
      db_t db{url};
      db.table<Item>();
      db.table<Counter>();
    }
    int go[2], ready[2], stop[2], report[2];
    for (int* fds : {go, ready, stop, report}) crash::make_pipe(fds);
    // a child keeps only its own ends: closes the parent's ends and go's write end
    auto close_parent_ends = [&] {
      ::close(go[1]);
      ::close(ready[0]);
      ::close(stop[1]);
      ::close(report[0]);
    };

    pid_t reader = crash::fork_child([&] {
      close_parent_ends();
      ::close(go[0]);
      run_reader(url, writers, ready[1], stop[0], report[1]);
    });
    children.push_back(reader);
    ::close(ready[1]);
    ::close(stop[0]);
    ::close(report[1]);
    for (int w = 0; w < writers; ++w) {
      children.push_back(crash::fork_child([&] {
        close_parent_ends();
        run_writer(url, w, go[0]);
      }));
    }
    ::close(go[0]);

    // go once the reader has opened the store
    char c;
    ssize_t r;
    while ((r = ::read(ready[0], &c, 1)) < 0 && errno == EINTR) {
    }
    ::close(ready[0]);
    if (r != 1) fail("the reader did not start; see its message above");
    auto go_time = clock_type::now();
    ::close(go[1]);

    // wait for the writers; a child that fails ends the test
    int writers_left = writers;
    while (writers_left > 0) {
      int status = 0;
      pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid < 0 && errno != EINTR) fail(std::string("waitpid: ") + std::strerror(errno));
      if (pid > 0) {
        for (pid_t& p : children)
          if (p == pid) p = -1;
        if (pid == reader) fail("the reader ended before the writers were done (" + crash::describe(status) + ")");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
          fail("a writer failed (" + crash::describe(status) + "); see its message above");
        --writers_left;
        continue;
      }
      if (clock_type::now() - started > time_limit)
        fail("the writers are not done after " + std::to_string(time_limit.count()) + " s");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    writers_secs = std::chrono::duration<double>(clock_type::now() - go_time).count();

    // stop the reader and collect its report
    ::close(stop[1]);
    int status = crash::wait_for(reader);
    for (pid_t& p : children)
      if (p == reader) p = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      fail("the reader failed (" + crash::describe(status) + "); see its message above");
    if (::read(report[0], &rep, sizeof rep) != static_cast<ssize_t>(sizeof rep)) fail("no report from the reader");
    ::close(report[0]);
    children.clear();

    // the store in the end
    std::size_t record_files = check_files(root);
    db_t db{url};
    auto items = db.table<Item>();
    auto counters = db.table<Counter>();
    auto expected = expected_items(writers);
    std::map<std::string, Item> found;
    for (const Item& it : items.query()) {
      check_item(it, "at the end");
      if (!found.emplace(it.id, it).second) fail("at the end, a query yields record " + it.id + " twice");
    }
    for (const auto& [id, want] : expected) {
      auto it = found.find(id);
      if (it == found.end()) fail("at the end, record " + id + " is missing");
      if (it->second.version != want.version)
        fail("at the end, record " + id + " has version " + std::to_string(it->second.version) + ", not " +
             std::to_string(want.version) + ": a rewrite was lost");
      auto got = items.get(id);
      if (!got || got->payload != want.payload) fail("at the end, get(" + id + ") does not return the record");
    }
    for (const auto& [id, it] : found)
      if (!expected.count(id)) fail("at the end, an unexpected record " + id);
    auto counter = counters.get(counter_id);
    if (!counter) fail("at the end, the counter record is missing");
    if (counter->value != increments)
      fail("at the end, the counter is " + std::to_string(counter->value) + " but " + std::to_string(increments) +
           " increments were committed: " +
           (counter->value < increments ? "updates were lost" : "updates were counted twice"));
    std::set<std::int64_t> values;
    for (const auto& [id, it] : found)
      if (it.kind == kind_increment && !values.insert(it.counter).second)
        fail("at the end, two increments both wrote counter value " + std::to_string(it.counter) +
             ": one read a stale counter, an update was lost");
    if (values.size() != static_cast<std::size_t>(increments) || *values.begin() != 1 || *values.rbegin() != increments)
      fail("at the end, the increments did not write each counter value from 1 to " + std::to_string(increments) +
           " once");
    if (items.count() != expected.size() || counters.count() != 1)
      fail("at the end, count() disagrees with the records found");
    if (record_files != expected.size() + 1)
      fail("at the end, " + std::to_string(record_files) + " record files for " + std::to_string(expected.size() + 1) +
           " records");
    std::cout << "json_dir_processes: " << record_files << " record files parse as JSON objects; no stray file\n";
  } catch (const failure& f) {
    kill_all();
    return crash::report_failure("json_dir_processes: FAIL", f.message, "the store is kept in " + root.string());
  } catch (const std::exception& e) {
    kill_all();
    return crash::report_failure("json_dir_processes: FAIL", std::string("unexpected exception: ") + e.what(),
                                 "the store is kept in " + root.string());
  }

  double secs = crash::seconds_since(started);
  auto per_writer = expected_items(1).size();
  std::ostringstream summary;
  summary.precision(1);
  summary << std::fixed << "json_dir_processes: passed in " << secs << " s: " << writers << " writers each made "
          << puts_per_writer + puts_per_writer / rewrite_every << " puts, " << increments_per_writer()
          << " increments and " << puts_per_writer / put_many_every << " put_many of " << put_many_size << " in "
          << writers_secs << " s; all " << writers * per_writer << " records present, counter " << increments
          << " with no update lost; the reader ran " << rep.rounds << " rounds (" << rep.queries << " queries, "
          << rep.gets << " gets, " << rep.records_seen << " records checked, up to " << rep.max_records
          << " at once, counter seen changing " << rep.counter_changes << " times up to " << rep.max_counter
          << ") and saw no torn record";
  return crash::report_pass("json_dir_processes", dir, summary.str());
}
