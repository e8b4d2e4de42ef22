// stowage over the json_dir backend against writing the same JSON files directly with
// nlohmann_json and plain POSIX calls (the floor), in one process, on the same data.
//
//   json_dir_bench [rows] [--reps=N] [--dir=PATH]
//
// rows defaults to 10000, reps to 3 (each repetition makes 2 x rows durable single writes, a few
// milliseconds each on a disk), dir to a fresh directory under the system temp directory (removed
// afterwards). Each repetition creates fresh stores for both sides in that one directory and runs
// these workloads, alternating which side goes first:
//
//   1. single puts, each one durable. stowage: table::put per record, which writes a temporary
//      file, fsyncs it, renames it into place and fsyncs the directory (and takes its lock file).
//      Raw: the same steps with openat/write/fsync/close/renameat/fsync on a directory descriptor
//      kept open. The sides take turns by blocks of rows/20 records (alternating which goes
//      first), as an fsync's time drifts with the disk's other work;
//   2. every record in one call. stowage: table::put_many (a journal file, fsynced and renamed,
//      then every record file through a temporary file and a rename, one syncfs, the journal
//      removed). Raw: every record file written in place, then one syncfs; no journal and no
//      temporary files. An informational raw run adds stowage's temporary file and rename;
//   3. get of every record by key, in one shuffled order shared by both sides, from a store
//      opened afresh (stowage's cache empty: it stats, reads and parses every file, as the raw
//      side opens, reads and parses it). An informational second pass follows on the same store,
//      where stowage's cache is warm (it stats, and does not read again);
//   4. a query on the time field returning 10% of the records, on a store opened afresh: first
//      run (cold cache: stowage reads and parses every file) and second run (warm cache: stowage
//      lists the directory and stats every file but reads none). Raw, each time: list the
//      directory, open, read and parse every file, keep the records in the time range.
//
// The record: int64 id (the key), two short strings, an int64 time and a ~200-byte payload held
// as a std::string of JSON text (stored in the file as a JSON string), as in sqlite_bench. Both
// sides write the same bytes: the record as a JSON object with sorted keys, rendered by
// nlohmann_json's dump(2) plus a final newline, in <table dir>/<id>.json; both decode into the
// same struct (with std::string copies). Reads hit the page cache on both sides (the files were
// just written). Each repetition checks, after its writes, that the files both sides wrote are
// byte for byte the same, and fails the program (exit 1) when they are not or when the two sides
// read back different data. Wall-clock and CPU times are printed; timings are never judged.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stowage/json_dir.hpp>

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event,
    (std::int64_t, id),
    (std::string, schema),
    (std::string, producer),
    (std::int64_t, time),
    (std::string, payload));  // JSON text, stored in the file as a JSON string
};

template <>
struct stowage::record_traits<Event> {
  static constexpr std::string_view table = "events";
  using indexes = std::tuple<stowage::index<&Event::time>>;
};

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

struct options {
  std::size_t rows = 10000;
  int reps = 3;
  fs::path dir;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "json_dir_bench: %s\nusage: json_dir_bench [rows] [--reps=N] [--dir=PATH]\n", why);
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto number = [&](std::string_view s) {
      char* end = nullptr;
      std::string text(s);
      unsigned long long v = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || v == 0) usage("expected a positive number");
      return v;
    };
    if (a.starts_with("--reps="))
      o.reps = static_cast<int>(number(a.substr(7)));
    else if (a.starts_with("--dir="))
      o.dir = std::string(a.substr(6));
    else if (!a.starts_with("-"))
      o.rows = static_cast<std::size_t>(number(a));
    else
      usage("unknown option");
  }
  if (o.rows < 10) usage("rows must be at least 10");
  return o;
}

// ---------------------------------------------------------------------------------------------
// The data set: the same records as sqlite_bench.

struct data_set {
  std::vector<Event> events;        // in key order
  std::vector<std::int64_t> probe;  // every key once, shuffled
  std::int64_t lo = 0, hi = 0;      // time range holding 10% of the records
  std::size_t range_rows = 0;
};

data_set make_data(std::size_t n) {
  static constexpr std::string_view schemas[] = {"order.created.v1", "order.shipped.v2", "payment.settled1",
                                                 "invoice.issued.3", "cart.abandoned.1", "stock.adjusted.1",
                                                 "user.registered1", "refund.granted.2"};
  static constexpr std::string_view regions[] = {"eu", "us", "ap", "sa"};
  static constexpr std::string_view currencies[] = {"EUR", "USD", "JPY", "BRL"};
  std::mt19937_64 rng(20240611);
  data_set d;
  d.events.reserve(n);
  const std::int64_t t0 = 1'700'000'000'000'000;  // microseconds
  char buf[512];
  for (std::size_t i = 0; i < n; ++i) {
    Event e;
    e.id = static_cast<std::int64_t>(i) + 1;
    e.schema = schemas[rng() % std::size(schemas)];
    std::snprintf(buf, sizeof buf, "%s-shop-%04u", std::string(regions[rng() % 4]).c_str(),
                  static_cast<unsigned>(rng() % 10000));
    e.producer = buf;  // 12 characters
    // events arrive roughly in time order, with a few milliseconds of jitter
    e.time = t0 + static_cast<std::int64_t>(i) * 1000 + static_cast<std::int64_t>(rng() % 5000);
    int len = std::snprintf(
        buf, sizeof buf,
        R"({"order":%u,"customer":"c-%07u","currency":"%s","total":%u.%02u,"items":[)"
        R"({"sku":"sku-%05u","qty":%u,"price":%u.%02u},{"sku":"sku-%05u","qty":%u,"price":%u.%02u}],)"
        R"("channel":"web","note":")",
        static_cast<unsigned>(rng() % 1000000), static_cast<unsigned>(rng() % 10000000),
        std::string(currencies[rng() % 4]).c_str(), static_cast<unsigned>(rng() % 1000),
        static_cast<unsigned>(rng() % 100), static_cast<unsigned>(rng() % 100000), static_cast<unsigned>(1 + rng() % 9),
        static_cast<unsigned>(rng() % 500), static_cast<unsigned>(rng() % 100), static_cast<unsigned>(rng() % 100000),
        static_cast<unsigned>(1 + rng() % 9), static_cast<unsigned>(rng() % 500), static_cast<unsigned>(rng() % 100));
    e.payload.assign(buf, static_cast<std::size_t>(len));
    while (e.payload.size() < 196) e.payload += static_cast<char>('a' + rng() % 26);  // pad to ~200 bytes
    e.payload += "\"}";
    d.events.push_back(std::move(e));
  }
  d.probe.reserve(n);
  for (const Event& e : d.events) d.probe.push_back(e.id);
  std::shuffle(d.probe.begin(), d.probe.end(), rng);

  std::vector<std::int64_t> times;
  times.reserve(n);
  for (const Event& e : d.events) times.push_back(e.time);
  std::sort(times.begin(), times.end());
  d.lo = times[n * 45 / 100];
  d.hi = times[n * 45 / 100 + n / 10];
  d.range_rows = static_cast<std::size_t>(
      std::count_if(times.begin(), times.end(), [&](std::int64_t t) { return t >= d.lo && t < d.hi; }));
  return d;
}

/// A cheap fold of a record, so that neither side's reads can be optimized away and both sides
/// can be checked to read the same data.
std::uint64_t digest(const Event& e) {
  auto byte = [](const std::string& s, std::size_t i) -> std::uint64_t {
    return s.empty() ? 0 : static_cast<unsigned char>(s[i % s.size()]);
  };
  return static_cast<std::uint64_t>(e.id) * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(e.time) +
         (e.schema.size() << 8) + (e.producer.size() << 16) + (e.payload.size() << 24) + byte(e.schema, 9) +
         (byte(e.producer, 7) << 32) + (byte(e.payload, e.payload.size() / 2) << 40);
}

// ---------------------------------------------------------------------------------------------
// The raw side: nlohmann_json and POSIX calls on a directory descriptor.

[[noreturn]] void sys_fail(const char* what, const std::string& name, int err = errno) {
  throw std::runtime_error(std::string("raw: ") + what + " " + name + ": " + std::strerror(err));
}

class dir_fd {
 public:
  explicit dir_fd(const fs::path& p) : fd_(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ < 0) sys_fail("cannot open the directory", p.string());
  }
  dir_fd(const dir_fd&) = delete;
  dir_fd& operator=(const dir_fd&) = delete;
  ~dir_fd() { ::close(fd_); }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

/// The file text of a record, as stowage's json_dir backend writes it: an object (nlohmann's
/// object keeps its keys sorted), two-space indent, final newline.
std::string render(const Event& e) {
  json doc = {{"id", e.id}, {"schema", e.schema}, {"producer", e.producer}, {"time", e.time}, {"payload", e.payload}};
  return doc.dump(2) + "\n";
}

Event event_of(const json& j) {
  return Event{j.at("id").get<std::int64_t>(), j.at("schema").get<std::string>(), j.at("producer").get<std::string>(),
               j.at("time").get<std::int64_t>(), j.at("payload").get<std::string>()};
}

std::string file_name(std::int64_t id) { return std::to_string(id) + ".json"; }

void write_all(int f, std::string_view text, const std::string& name) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(f, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) sys_fail("cannot write", name);
    done += static_cast<std::size_t>(n);
  }
}

/// One durable write: temporary file, fsync, rename, fsync of the directory.
void raw_put_durable(int dir, const Event& e, const std::string& tmp_suffix) {
  const std::string text = render(e), name = file_name(e.id), tmp = ".tmp-" + name + tmp_suffix;
  int f = ::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f < 0) sys_fail("cannot create", tmp);
  write_all(f, text, tmp);
  if (::fsync(f) != 0) sys_fail("cannot fsync", tmp);
  if (::close(f) != 0) sys_fail("cannot close", tmp);
  if (::renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) sys_fail("cannot rename", name);
  if (::fsync(dir) != 0) sys_fail("cannot fsync the directory of", name);
}

/// Every record written in place (or through a temporary file and a rename), then one syncfs.
void raw_put_all(int dir, const std::vector<Event>& events, bool with_rename, const std::string& tmp_suffix) {
  for (const Event& e : events) {
    const std::string text = render(e), name = file_name(e.id);
    const std::string target = with_rename ? ".tmp-" + name + tmp_suffix : name;
    int f = ::openat(dir, target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f < 0) sys_fail("cannot create", target);
    write_all(f, text, target);
    if (::close(f) != 0) sys_fail("cannot close", target);
    if (with_rename && ::renameat(dir, target.c_str(), dir, name.c_str()) != 0) sys_fail("cannot rename", name);
  }
  if (::syncfs(dir) != 0) sys_fail("cannot syncfs", "the store");
}

/// The whole content of a file relative to dir, into buf; false when it does not exist.
bool read_at(int dir, const std::string& name, std::string& buf) {
  int f = ::openat(dir, name.c_str(), O_RDONLY | O_CLOEXEC);
  if (f < 0) {
    if (errno == ENOENT) return false;
    sys_fail("cannot open", name);
  }
  buf.clear();
  char chunk[8192];
  for (;;) {
    ssize_t n = ::read(f, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(f);
      sys_fail("cannot read", name, err);
    }
    if (n == 0) break;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(f);
  return true;
}

std::uint64_t raw_gets(int dir, const std::vector<std::int64_t>& keys) {
  std::uint64_t sum = 0;
  std::string buf;
  for (std::int64_t k : keys)
    if (read_at(dir, file_name(k), buf)) sum += digest(event_of(json::parse(buf)));
  return sum;
}

std::pair<std::uint64_t, std::size_t> raw_query(const fs::path& dir, std::int64_t lo, std::int64_t hi) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) sys_fail("cannot list", dir.string());
  std::vector<Event> found;
  std::string buf;
  try {
    while (const dirent* ent = ::readdir(d)) {
      std::string_view name = ent->d_name;
      if (name.size() <= 5 || name[0] == '.' || !name.ends_with(".json")) continue;
      if (!read_at(::dirfd(d), std::string(name), buf)) continue;
      json j = json::parse(buf);
      std::int64_t t = j.at("time").get<std::int64_t>();
      if (t >= lo && t < hi) found.push_back(event_of(j));
    }
  } catch (...) {
    ::closedir(d);
    throw;
  }
  ::closedir(d);
  std::uint64_t sum = 0;
  for (const Event& e : found) sum += digest(e);
  return {sum, found.size()};
}

// ---------------------------------------------------------------------------------------------
// The stowage side.

using store = stowage::database<stowage::json_dir>;
using events_table = stowage::table<Event, stowage::json_dir>;

std::string url_of(const fs::path& root) { return "dir:" + root.string(); }

std::uint64_t stowage_gets(const events_table& t, const std::vector<std::int64_t>& keys) {
  std::uint64_t sum = 0;
  for (std::int64_t k : keys)
    if (std::optional<Event> e = t.get(k)) sum += digest(*e);
  return sum;
}

std::pair<std::uint64_t, std::size_t> stowage_query(const events_table& t, std::int64_t lo, std::int64_t hi) {
  using stowage::where;
  std::uint64_t sum = 0;
  std::size_t n = 0;
  for (const Event& e : t.query(where<&Event::time> >= lo && where<&Event::time> < hi)) {
    sum += digest(e);
    ++n;
  }
  return {sum, n};
}

/// How many record files the store has read so far, where the backend tells.
template <class B>
std::optional<std::uint64_t> files_read(B& b) {
  if constexpr (requires { b.files_read(); })
    return static_cast<std::uint64_t>(b.files_read());
  else
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Checks that both sides wrote the same files.

/// The names of the record files in a directory (dot files left out), sorted, and the names of
/// the leftovers of temporary files.
std::pair<std::vector<std::string>, std::vector<std::string>> listing(const fs::path& dir) {
  std::vector<std::string> names, stray;
  for (const auto& ent : fs::directory_iterator(dir)) {
    std::string n = ent.path().filename().string();
    if (n.starts_with(".tmp-"))
      stray.push_back(n);
    else if (n[0] != '.')
      names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return {names, stray};
}

/// Returns the number of differences found, each reported.
int compare_files(const char* what, const fs::path& raw_dir, const fs::path& sto_root,
                  const std::vector<Event>& events) {
  int bad = 0;
  auto report = [&](const std::string& s) {
    if (++bad <= 5) std::printf("MISMATCH in %s: %s\n", what, s.c_str());
  };
  const fs::path sto_dir = sto_root / "events";
  auto [raw_names, raw_stray] = listing(raw_dir);
  auto [sto_names, sto_stray] = listing(sto_dir);
  if (raw_names != sto_names)
    report("the directories hold different file names (raw " + std::to_string(raw_names.size()) + ", stowage " +
           std::to_string(sto_names.size()) + ")");
  if (raw_names.size() != events.size())
    report("the raw directory holds " + std::to_string(raw_names.size()) + " files");
  for (const auto& s : raw_stray) report("raw temporary file left: " + s);
  for (const auto& s : sto_stray) report("stowage temporary file left: " + s);
  if (fs::exists(sto_root / ".journal")) report("stowage left its journal");
  dir_fd r(raw_dir), s(sto_dir);
  std::string a, b;
  for (const Event& e : events) {
    const std::string name = file_name(e.id);
    if (!read_at(r.get(), name, a)) a = "(missing)";
    if (!read_at(s.get(), name, b)) b = "(missing)";
    if (a != b)
      report(name + " differs:\n--- raw\n" + a + "--- stowage\n" + b);
    else if (a != render(e))
      report(name + " does not hold the record");
  }
  if (bad > 5) std::printf("(%d more)\n", bad - 5);
  return bad;
}

// ---------------------------------------------------------------------------------------------
// Timing.

/// The CPU time this thread has used (user and system), in nanoseconds.
std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// Wall-clock and CPU times of repetitions, in nanoseconds per unit of work.
struct series {
  std::vector<double> wall, cpu;
};

/// Wall-clock and CPU time summed over the runs of one side.
struct stopwatch {
  std::int64_t wall_ns = 0, cpu_ns = 0;

  template <class F>
  void run(F&& f) {
    const std::int64_t cpu0 = thread_cpu_ns();
    const auto wall0 = clock_type::now();
    f();
    wall_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - wall0).count();
    cpu_ns += thread_cpu_ns() - cpu0;
  }
  void record(series& out, std::size_t count) const {
    out.wall.push_back(static_cast<double>(wall_ns) / static_cast<double>(count));
    out.cpu.push_back(static_cast<double>(cpu_ns) / static_cast<double>(count));
  }
};

template <class F>
void timed(series& out, std::size_t count, F&& f) {
  stopwatch w;
  w.run(f);
  w.record(out, count);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

struct samples {
  series raw, stowage;
};

/// Flushes whatever is dirty on the file system, so that neither side's syncfs pays for the
/// other side's writes (untimed).
void settle(const fs::path& dir) {
  dir_fd d(dir);
  if (::syncfs(d.get()) != 0) sys_fail("cannot syncfs", dir.string());
}

int run(const options& o, const fs::path& dir) {
  const data_set d = make_data(o.rows);
  const std::size_t n = o.rows;
  const std::size_t file_bytes = render(d.events[0]).size();
  std::printf(
      "stowage json_dir benchmark: %zu records (int64 id, %zu-char schema, %zu-char producer, int64 time,\n"
      "%zu-byte payload as a std::string holding JSON text, stored as a JSON string); %zu-byte files\n",
      n, d.events[0].schema.size(), d.events[0].producer.size(), d.events[0].payload.size(), file_bytes);
  std::printf("nlohmann_json %d.%d.%d; files in %s; %d repetitions, alternating which side runs first\n",
              NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH,
              dir.string().c_str(), o.reps);
  std::printf(
      "raw floor: the same file text (nlohmann dump(2) + newline) with openat/write/fsync/close/renameat on a\n"
      "directory descriptor kept open; the raw put_many floor writes files in place and has no journal\n");
  std::fflush(stdout);
  int mismatches = 0;
  auto expect_same = [&](const char* what, std::uint64_t a, std::uint64_t b) {
    if (a != b) {
      std::printf("MISMATCH in %s: raw %" PRIu64 ", stowage %" PRIu64 "\n", what, a, b);
      ++mismatches;
    }
  };

  samples put, put_all, get_cold, get_warm, query_cold, query_warm;
  series put_all_renamed;
  std::optional<std::uint64_t> read_cold, read_warm;
  const std::string tmp_suffix = "-" + std::to_string(::getpid());
  const fs::path raw_put_dir = dir / "raw-put" / "events", sto_put_root = dir / "stowage-put";
  const fs::path raw_all_dir = dir / "raw-all" / "events", sto_all_root = dir / "stowage-all";
  const fs::path raw_ren_dir = dir / "raw-renamed" / "events";
  auto clean = [&] {
    for (const char* sub : {"raw-put", "stowage-put", "raw-all", "stowage-all", "raw-renamed"})
      fs::remove_all(dir / sub);
  };
  for (int rep = 0; rep < o.reps; ++rep) {
    clean();
    for (const fs::path& p : {raw_put_dir, raw_all_dir, raw_ren_dir}) fs::create_directories(p);
    const bool raw_first = rep % 2 == 0;
    auto in_turn = [raw_first](auto&& raw_side, auto&& stowage_side) {
      if (raw_first) {
        raw_side();
        stowage_side();
      } else {
        stowage_side();
        raw_side();
      }
    };
    {
      // 1. single durable puts, the two sides taking turns by blocks of records: the time an fsync
      // takes drifts with the disk's other work, and both sides should meet the same drift
      store sdb{url_of(sto_put_root)};
      auto t = sdb.table<Event>();
      dir_fd rdir(raw_put_dir);
      settle(dir);
      stopwatch raw_watch, sto_watch;
      const std::size_t block = std::max<std::size_t>(1, n / 20);
      for (std::size_t first = 0, turn = 0; first < n; first += block, ++turn) {
        const std::size_t last = std::min(n, first + block);
        auto raw_side = [&] {
          raw_watch.run([&] {
            for (std::size_t i = first; i < last; ++i) raw_put_durable(rdir.get(), d.events[i], tmp_suffix);
          });
        };
        auto sto_side = [&] {
          sto_watch.run([&] {
            for (std::size_t i = first; i < last; ++i) t.put(d.events[i]);
          });
        };
        if ((turn + static_cast<std::size_t>(rep)) % 2 == 0) {
          raw_side();
          sto_side();
        } else {
          sto_side();
          raw_side();
        }
      }
      raw_watch.record(put.raw, n);
      sto_watch.record(put.stowage, n);
    }
    {
      // 2. every record in one call
      store sdb{url_of(sto_all_root)};
      auto t = sdb.table<Event>();
      dir_fd rdir(raw_all_dir), rren(raw_ren_dir);
      auto raw_side = [&] {
        settle(dir);
        timed(put_all.raw, n, [&] { raw_put_all(rdir.get(), d.events, false, tmp_suffix); });
      };
      auto sto_side = [&] {
        settle(dir);
        timed(put_all.stowage, n, [&] { t.put_many(d.events); });
      };
      in_turn(raw_side, sto_side);
      settle(dir);
      timed(put_all_renamed, n, [&] { raw_put_all(rren.get(), d.events, true, tmp_suffix); });
    }
    mismatches += compare_files("single puts", raw_put_dir, sto_put_root, d.events);
    mismatches += compare_files("put_many", raw_all_dir, sto_all_root, d.events);
    {
      // 3. gets by key in a shuffled order, stowage's cache empty, then warm
      store sdb{url_of(sto_all_root)};
      auto t = sdb.table<Event>();
      dir_fd rdir(raw_all_dir);
      std::uint64_t rsum = 0, ssum = 0;
      auto raw_cold = [&] { timed(get_cold.raw, n, [&] { rsum = raw_gets(rdir.get(), d.probe); }); };
      auto sto_cold = [&] { timed(get_cold.stowage, n, [&] { ssum = stowage_gets(t, d.probe); }); };
      in_turn(raw_cold, sto_cold);
      expect_same("gets", rsum, ssum);
      auto raw_warm = [&] { timed(get_warm.raw, n, [&] { rsum = raw_gets(rdir.get(), d.probe); }); };
      auto sto_warm = [&] { timed(get_warm.stowage, n, [&] { ssum = stowage_gets(t, d.probe); }); };
      in_turn(raw_warm, sto_warm);
      expect_same("gets, second pass", rsum, ssum);
    }
    {
      // 4. a query over every record, stowage's cache empty, then warm
      store sdb{url_of(sto_all_root)};
      auto t = sdb.table<Event>();
      std::pair<std::uint64_t, std::size_t> rr, sr;
      auto before = files_read(sdb.backend());
      auto raw_q1 = [&] { timed(query_cold.raw, 1, [&] { rr = raw_query(raw_all_dir, d.lo, d.hi); }); };
      auto sto_q1 = [&] { timed(query_cold.stowage, 1, [&] { sr = stowage_query(t, d.lo, d.hi); }); };
      in_turn(raw_q1, sto_q1);
      auto middle = files_read(sdb.backend());
      expect_same("query (records)", rr.second, sr.second);
      expect_same("query (expected records)", d.range_rows, sr.second);
      expect_same("query (digest)", rr.first, sr.first);
      auto raw_q2 = [&] { timed(query_warm.raw, 1, [&] { rr = raw_query(raw_all_dir, d.lo, d.hi); }); };
      auto sto_q2 = [&] { timed(query_warm.stowage, 1, [&] { sr = stowage_query(t, d.lo, d.hi); }); };
      in_turn(raw_q2, sto_q2);
      auto after = files_read(sdb.backend());
      expect_same("second query (records)", rr.second, sr.second);
      expect_same("second query (digest)", rr.first, sr.first);
      if (before && middle && after) {
        read_cold = *middle - *before;
        read_warm = *after - *middle;
      }
    }
    std::fflush(stdout);
  }
  clean();

  char query_name[64];
  std::snprintf(query_name, sizeof query_name, "query, %zu of %zu records, ms/query:", d.range_rows, n);
  auto table = [&](const char* title, std::vector<double> series::*which) {
    std::printf("\n%s: median of %d (best in brackets); ratio = stowage/raw, medians (bests)\n", title, o.reps);
    std::printf("%-44s %18s %18s %15s\n", "workload", "raw", "stowage", "ratio");
    auto line = [&](const char* name, const series& r_series, const series& s_series, double unit) {
      const std::vector<double>& r = r_series.*which;
      const std::vector<double>& s = s_series.*which;
      const char* fmt = unit >= 1e6 ? "%.1f (%.1f)" : "%.2f (%.2f)";
      char raw_cell[64], sto_cell[64], ratio_cell[64];
      std::snprintf(raw_cell, sizeof raw_cell, fmt, median(r) / unit, best(r) / unit);
      std::snprintf(sto_cell, sizeof sto_cell, fmt, median(s) / unit, best(s) / unit);
      std::snprintf(ratio_cell, sizeof ratio_cell, "%.3f (%.3f)", median(s) / median(r), best(s) / best(r));
      std::printf("%-44s %18s %18s %15s\n", name, raw_cell, sto_cell, ratio_cell);
    };
    line("durable single put, us/record", put.raw, put.stowage, 1e3);
    line("put_many (raw: no journal), us/record", put_all.raw, put_all.stowage, 1e3);
    line("get, random order, cache empty, us/record", get_cold.raw, get_cold.stowage, 1e3);
    std::printf("%s\n", query_name);
    line("  first (stowage's cache empty)", query_cold.raw, query_cold.stowage, 1e6);
    line("  second (stowage's cache warm)", query_warm.raw, query_warm.stowage, 1e6);
    std::printf("informational:\n");
    line("  put_many vs raw + temp file/rename, us/rec", put_all_renamed, put_all.stowage, 1e3);
    line("  get, second pass (cache warm), us/record", get_warm.raw, get_warm.stowage, 1e3);
  };
  table("wall-clock time", &series::wall);
  table(
      "CPU time of the benchmark's thread, user + system: less sensitive to other load on the\n"
      "machine, leaves out waiting for the disk",
      &series::cpu);
  if (read_cold && read_warm) {
    std::printf("\nfiles stowage read and parsed in the last repetition: first query %" PRIu64 ", second %" PRIu64 "\n",
                *read_cold, *read_warm);
    if (*read_warm > 0)
      std::printf(
          "(the second query read files again: stowage does not trust its cache for files changed shortly\n"
          "before they were read, as with a small record count)\n");
  }
  std::printf("\nnever judged: timings vary with the disk, the file system and the machine's load\n");
  return mismatches ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  fs::path dir = o.dir;
  bool own_dir = dir.empty();
  try {
    if (own_dir) {
      std::random_device rd;
      dir = fs::temp_directory_path() / ("stowage-json-dir-bench-" + std::to_string(rd()));
    }
    fs::create_directories(dir);
    int rc = run(o, dir);
    if (own_dir) fs::remove_all(dir);
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "json_dir_bench: %s\n", e.what());
    if (own_dir) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
    return 1;
  }
}
