// stowage over SQLite against the raw sqlite3 C API, in one process, on the same data.
//
//   sqlite_bench [rows] [--reps=N] [--sync=off|normal|full] [--dir=PATH]
//
// rows defaults to 200000, reps to 5, sync to full (stowage's default), dir to a fresh directory
// under the system temp directory (removed afterwards). Each repetition creates fresh database
// files for both sides in that one directory and runs three workloads, alternating which side
// goes first:
//
//   1. bulk insert: every row in one transaction (stowage: table::put_many; raw: BEGIN IMMEDIATE,
//      the same INSERT ... ON CONFLICT DO UPDATE statement stowage prepares, COMMIT), plus an
//      informational raw run with a plain INSERT;
//   2. point get of every row by key, in one shuffled order shared by both sides;
//   3. a range query on the indexed time column returning 10% of the rows, each row decoded into
//      the same struct (with std::string copies) on both sides.
//
// Both sides use the same DDL (INTEGER PRIMARY KEY, same column types, same index), the same
// statement texts and the same connection settings: open flags, journal_mode=WAL,
// synchronous=<sync>, busy_timeout=5000, case_sensitive_like=ON. Before timing, the program
// checks that the schema and the statements stowage actually runs (seen through sqlite3_trace_v2)
// match the raw side's, and warns when they do not. It fails (exit 1) when the two sides read
// back different data; it never judges timings.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stowage/sqlite.hpp>

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event,
    (std::int64_t, id),
    (std::string, schema),
    (std::string, producer),
    (std::int64_t, time),
    (std::string, payload));  // JSON text
};

template <>
struct stowage::record_traits<Event> {
  static constexpr std::string_view table = "events";
  using indexes = std::tuple<stowage::index<&Event::time>>;
};

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

// What stowage's SQLite backend creates and runs for Event (checked at startup).
constexpr std::string_view ddl_table =
    R"(CREATE TABLE "events" ("id" INTEGER NOT NULL PRIMARY KEY, "schema" TEXT NOT NULL, )"
    R"("producer" TEXT NOT NULL, "time" INTEGER NOT NULL, "payload" TEXT NOT NULL))";
constexpr std::string_view ddl_index = R"(CREATE INDEX IF NOT EXISTS "events_ix_time" ON "events" ("time"))";
constexpr std::string_view sql_upsert =
    R"(INSERT INTO "events" ("id", "schema", "producer", "time", "payload") VALUES (?1, ?2, ?3, ?4, ?5) )"
    R"(ON CONFLICT ("id") DO UPDATE SET "schema" = excluded."schema", "producer" = excluded."producer", )"
    R"("time" = excluded."time", "payload" = excluded."payload")";
constexpr std::string_view sql_insert =
    R"(INSERT INTO "events" ("id", "schema", "producer", "time", "payload") VALUES (?1, ?2, ?3, ?4, ?5))";
constexpr std::string_view sql_get =
    R"(SELECT "id", "schema", "producer", "time", "payload" FROM "events" WHERE "id" = ?1)";
constexpr std::string_view sql_range =
    R"(SELECT "id", "schema", "producer", "time", "payload" FROM "events" WHERE ("time" >= ?1 AND "time" < ?2))";

struct options {
  std::size_t rows = 200000;
  int reps = 5;
  std::string sync = "full";
  fs::path dir;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "sqlite_bench: %s\nusage: sqlite_bench [rows] [--reps=N] [--sync=off|normal|full] [--dir=PATH]\n", why);
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
    else if (a.starts_with("--sync="))
      o.sync = std::string(a.substr(7));
    else if (a.starts_with("--dir="))
      o.dir = std::string(a.substr(6));
    else if (!a.starts_with("-"))
      o.rows = static_cast<std::size_t>(number(a));
    else
      usage("unknown option");
  }
  if (o.sync != "off" && o.sync != "normal" && o.sync != "full") usage("--sync takes off, normal or full");
  if (o.rows < 10) usage("rows must be at least 10");
  return o;
}

// ---------------------------------------------------------------------------------------------
// The data set.

struct data_set {
  std::vector<Event> events;        // in key order, as inserted
  std::vector<std::int64_t> probe;  // every key once, shuffled
  std::int64_t lo = 0, hi = 0;      // time range holding 10% of the rows
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
// The raw side: sqlite3 C API, prepared statements.

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string("raw sqlite: ") + what + ": " + sqlite3_errmsg(db));
}

struct stmt {
  sqlite3_stmt* p = nullptr;
  stmt(sqlite3* db, std::string_view sql, unsigned flags = SQLITE_PREPARE_PERSISTENT) {
    check(sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &p, nullptr), db, "prepare");
  }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;
  ~stmt() { sqlite3_finalize(p); }
};

class raw_db {
 public:
  raw_db(const fs::path& file, const std::string& sync) {
    int rc = sqlite3_open_v2(
        file.c_str(), &db_,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_close_v2(db_);
      throw std::runtime_error("raw sqlite: cannot open " + file.string());
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=" + sync);
    exec("PRAGMA case_sensitive_like=ON");
  }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;
  ~raw_db() { sqlite3_close_v2(db_); }

  void exec(const std::string& sql) {
    check(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), db_, sql.c_str());
  }
  void create_schema() {
    exec(std::string(ddl_table));
    exec(std::string(ddl_index));
  }
  sqlite3* get() const noexcept { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

std::string column_text(sqlite3_stmt* st, int i) {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
}

Event read_event(sqlite3_stmt* st) {
  return Event{sqlite3_column_int64(st, 0), column_text(st, 1), column_text(st, 2), sqlite3_column_int64(st, 3),
               column_text(st, 4)};
}

void raw_insert(raw_db& db, const std::vector<Event>& events, std::string_view sql) {
  stmt ins(db.get(), sql);
  db.exec("BEGIN IMMEDIATE");
  for (const Event& e : events) {
    int rc = sqlite3_bind_int64(ins.p, 1, e.id) |
             sqlite3_bind_text64(ins.p, 2, e.schema.data(), e.schema.size(), SQLITE_STATIC, SQLITE_UTF8) |
             sqlite3_bind_text64(ins.p, 3, e.producer.data(), e.producer.size(), SQLITE_STATIC, SQLITE_UTF8) |
             sqlite3_bind_int64(ins.p, 4, e.time) |
             sqlite3_bind_text64(ins.p, 5, e.payload.data(), e.payload.size(), SQLITE_STATIC, SQLITE_UTF8);
    check(rc, db.get(), "bind");
    if (sqlite3_step(ins.p) != SQLITE_DONE) check(SQLITE_ERROR, db.get(), "insert");
    sqlite3_reset(ins.p);
  }
  db.exec("COMMIT");
}

std::uint64_t raw_gets(raw_db& db, const std::vector<std::int64_t>& keys) {
  stmt get(db.get(), sql_get);
  std::uint64_t sum = 0;
  for (std::int64_t k : keys) {
    check(sqlite3_bind_int64(get.p, 1, k), db.get(), "bind");
    int rc = sqlite3_step(get.p);
    std::optional<Event> e;
    if (rc == SQLITE_ROW)
      e = read_event(get.p);
    else
      check(rc, db.get(), "get");
    sqlite3_reset(get.p);
    if (e) sum += digest(*e);
  }
  return sum;
}

std::pair<std::uint64_t, std::size_t> raw_range(raw_db& db, std::int64_t lo, std::int64_t hi) {
  stmt q(db.get(), sql_range, 0);
  check(sqlite3_bind_int64(q.p, 1, lo) | sqlite3_bind_int64(q.p, 2, hi), db.get(), "bind");
  std::uint64_t sum = 0;
  std::size_t n = 0;
  int rc;
  while ((rc = sqlite3_step(q.p)) == SQLITE_ROW) {
    Event e = read_event(q.p);
    sum += digest(e);
    ++n;
  }
  check(rc, db.get(), "range");
  return {sum, n};
}

// ---------------------------------------------------------------------------------------------
// The stowage side.

using store = stowage::database<stowage::sqlite>;

std::string url_of(const fs::path& file, const std::string& sync) {
  return "file:" + file.string() + "?synchronous=" + sync;
}

std::uint64_t stowage_gets(const stowage::table<Event, stowage::sqlite>& t, const std::vector<std::int64_t>& keys) {
  std::uint64_t sum = 0;
  for (std::int64_t k : keys)
    if (std::optional<Event> e = t.get(k)) sum += digest(*e);
  return sum;
}

std::pair<std::uint64_t, std::size_t> stowage_range(const stowage::table<Event, stowage::sqlite>& t, std::int64_t lo,
                                                    std::int64_t hi) {
  using stowage::where;
  std::uint64_t sum = 0;
  std::size_t n = 0;
  for (const Event& e : t.query(where<&Event::time> >= lo && where<&Event::time> < hi)) {
    sum += digest(e);
    ++n;
  }
  return {sum, n};
}

// ---------------------------------------------------------------------------------------------
// Checks that the raw side mirrors what stowage does.

std::vector<std::string> schema_rows(sqlite3* db) {
  stmt q(db, "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master ORDER BY type, name", 0);
  std::vector<std::string> out;
  while (sqlite3_step(q.p) == SQLITE_ROW) out.push_back(column_text(q.p, 0));
  return out;
}

std::string pragma_text(sqlite3* db, const char* pragma) {
  stmt q(db, std::string("PRAGMA ") + pragma, 0);
  return sqlite3_step(q.p) == SQLITE_ROW ? column_text(q.p, 0) : std::string("?");
}

std::string settings_of(sqlite3* db) {
  static constexpr const char* sync_names[] = {"off", "normal", "full", "extra"};
  std::string sync = pragma_text(db, "synchronous");
  if (sync.size() == 1 && sync[0] >= '0' && sync[0] <= '3') sync = sync_names[sync[0] - '0'];
  return "journal_mode=" + pragma_text(db, "journal_mode") + " synchronous=" + sync;
}

/// Returns the number of mismatches found (each reported as a warning).
int check_mirror(const fs::path& dir, const options& o, const data_set& d) {
  int warnings = 0;
  auto warn = [&](const std::string& what) {
    std::printf("WARNING: %s\n", what.c_str());
    ++warnings;
  };
  const fs::path sfile = dir / "mirror-stowage.db", rfile = dir / "mirror-raw.db";
  std::vector<std::string> seen;
  std::vector<std::string> stowage_schema, raw_schema;
  std::string stowage_pragmas, raw_pragmas;
  {
    store db{url_of(sfile, o.sync)};
    sqlite3* h = db.backend().native_handle();
    sqlite3_trace_v2(
        h, SQLITE_TRACE_STMT,
        [](unsigned, void* ctx, void* p, void*) -> int {
          static_cast<std::vector<std::string>*>(ctx)->emplace_back(sqlite3_sql(static_cast<sqlite3_stmt*>(p)));
          return 0;
        },
        &seen);
    auto t = db.table<Event>();
    std::vector<Event> few(d.events.begin(), d.events.begin() + 10);
    t.put_many(few);
    (void)t.get(few[3].id);
    (void)stowage_range(t, few[2].time, few[7].time);
    sqlite3_trace_v2(h, 0, nullptr, nullptr);
    std::vector<std::string> distinct;
    for (auto& sql : seen)
      if (std::find(distinct.begin(), distinct.end(), sql) == distinct.end()) distinct.push_back(sql);
    seen = std::move(distinct);
    stowage_schema = schema_rows(h);
    stowage_pragmas = settings_of(h);
  }
  {
    raw_db raw(rfile, o.sync);
    raw.create_schema();
    raw_schema = schema_rows(raw.get());
    raw_pragmas = settings_of(raw.get());
  }
  if (stowage_schema != raw_schema) {
    std::string s = "the raw side's schema differs from stowage's:";
    for (auto& r : stowage_schema) s += "\n  stowage: " + r;
    for (auto& r : raw_schema) s += "\n  raw:     " + r;
    warn(s);
  }
  if (stowage_pragmas != raw_pragmas) warn("pragmas differ: stowage " + stowage_pragmas + ", raw " + raw_pragmas);
  for (std::string_view sql : {sql_upsert, sql_get, sql_range})
    if (std::find(seen.begin(), seen.end(), sql) == seen.end()) {
      std::string s = "stowage did not run the raw side's statement\n  " + std::string(sql) + "\nit ran:";
      for (auto& r : seen) s += "\n  " + r;
      warn(s);
    }
  std::printf("settings, both sides: %s\n", raw_pragmas.c_str());
  for (const fs::path& f : {sfile, rfile})
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(f.string() + suffix);
  return warnings;
}

// ---------------------------------------------------------------------------------------------
// Timing.

double ns_per_row(clock_type::duration d, std::size_t rows) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) /
         static_cast<double>(rows);
}

template <class F>
double timed(std::size_t rows, F&& f) {
  auto start = clock_type::now();
  f();
  return ns_per_row(clock_type::now() - start, rows);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

struct samples {
  std::vector<double> raw, stowage;
};

void remove_db(const fs::path& f) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(f.string() + suffix);
}

int run(const options& o, const fs::path& dir) {
  const data_set d = make_data(o.rows);
  const std::size_t n = o.rows;
  std::printf(
      "stowage sqlite benchmark: %zu rows (int64 id, %zu-char schema, %zu-char producer, int64 time, "
      "%zu-byte payload as a std::string holding JSON text)\n",
      n, d.events[0].schema.size(), d.events[0].producer.size(), d.events[0].payload.size());
  std::printf("SQLite %s; files in %s; %d repetitions, alternating which side runs first\n", sqlite3_libversion(),
              dir.string().c_str(), o.reps);
  int warnings = check_mirror(dir, o, d);
  int mismatches = 0;
  auto expect_same = [&](const char* what, std::uint64_t a, std::uint64_t b) {
    if (a != b) {
      std::printf("MISMATCH in %s: raw %" PRIu64 ", stowage %" PRIu64 "\n", what, a, b);
      ++mismatches;
    }
  };

  samples insert, get, range;
  std::vector<double> plain_insert;
  const fs::path rfile = dir / "raw.db", pfile = dir / "raw-plain.db", sfile = dir / "stowage.db";
  for (int rep = 0; rep < o.reps; ++rep) {
    for (const fs::path& f : {rfile, pfile, sfile}) remove_db(f);
    {
      raw_db raw(rfile, o.sync), plain(pfile, o.sync);
      raw.create_schema();
      plain.create_schema();
      store sdb{url_of(sfile, o.sync)};
      auto t = sdb.table<Event>();
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

      // 1. bulk insert in one transaction
      auto raw_ins = [&] { insert.raw.push_back(timed(n, [&] { raw_insert(raw, d.events, sql_upsert); })); };
      auto sto_ins = [&] { insert.stowage.push_back(timed(n, [&] { t.put_many(d.events); })); };
      in_turn(raw_ins, sto_ins);
      plain_insert.push_back(timed(n, [&] { raw_insert(plain, d.events, sql_insert); }));

      // 2. point gets in one shuffled order
      std::uint64_t rsum = 0, ssum = 0;
      auto raw_get = [&] { get.raw.push_back(timed(n, [&] { rsum = raw_gets(raw, d.probe); })); };
      auto sto_get = [&] { get.stowage.push_back(timed(n, [&] { ssum = stowage_gets(t, d.probe); })); };
      in_turn(raw_get, sto_get);
      expect_same("point gets", rsum, ssum);

      // 3. range query over 10% of the rows
      std::pair<std::uint64_t, std::size_t> rr, sr;
      auto raw_rng = [&] { range.raw.push_back(timed(d.range_rows, [&] { rr = raw_range(raw, d.lo, d.hi); })); };
      auto sto_rng = [&] { range.stowage.push_back(timed(d.range_rows, [&] { sr = stowage_range(t, d.lo, d.hi); })); };
      in_turn(raw_rng, sto_rng);
      expect_same("range query (rows)", rr.second, sr.second);
      expect_same("range query (expected rows)", d.range_rows, sr.second);
      expect_same("range query (digest)", rr.first, sr.first);
    }
    std::fflush(stdout);
  }
  for (const fs::path& f : {rfile, pfile, sfile}) remove_db(f);

  std::printf(
      "\nns/row: median of %d (best in brackets); ratio = stowage/raw, medians (bests); target judged on the\n"
      "median ratio, for information only\n",
      o.reps);
  std::printf("%-32s %16s %16s %15s %8s\n", "workload", "raw ns/row", "stowage ns/row", "ratio", "target");
  auto line = [&](const char* name, const std::vector<double>& r, const std::vector<double>& s, double target) {
    char raw_cell[64], sto_cell[64], ratio_cell[64], target_cell[64] = "-";
    const double ratio = median(s) / median(r);
    std::snprintf(raw_cell, sizeof raw_cell, "%.0f (%.0f)", median(r), best(r));
    std::snprintf(sto_cell, sizeof sto_cell, "%.0f (%.0f)", median(s), best(s));
    std::snprintf(ratio_cell, sizeof ratio_cell, "%.3f (%.3f)", ratio, best(s) / best(r));
    if (target > 0) std::snprintf(target_cell, sizeof target_cell, "%.2f %s", target, ratio <= target ? "ok" : "MISS");
    std::printf("%-32s %16s %16s %15s %8s\n", name, raw_cell, sto_cell, ratio_cell, target_cell);
  };
  char range_name[64];
  std::snprintf(range_name, sizeof range_name, "range query, %zu rows", d.range_rows);
  line("bulk insert (put_many)", insert.raw, insert.stowage, 1.15);
  line("point get, random order", get.raw, get.stowage, 1.15);
  line(range_name, range.raw, range.stowage, 1.25);
  line("info: put_many vs plain INSERT", plain_insert, insert.stowage, 0);
  if (warnings) std::printf("\n%d warning(s): the raw side may not mirror stowage; see above\n", warnings);
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
      dir = fs::temp_directory_path() / ("stowage-bench-" + std::to_string(rd()));
    }
    fs::create_directories(dir);
    int rc = run(o, dir);
    if (own_dir) fs::remove_all(dir);
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sqlite_bench: %s\n", e.what());
    if (own_dir) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
    return 1;
  }
}
