// stowage over SQLite against the raw sqlite3 C API, in one process, on the same data.
//
//   sqlite_bench [rows] [--reps=N] [--sync=off|normal|full] [--dir=PATH] [--phase=SIDE-WORKLOAD|list]
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
//
// --phase=raw-get (raw or stowage; insert, get or range) runs that one workload of that one side
// once, after its setup (the table filled by the same side, for get and range), inside
// bench_common::measured_phase, and prints its rows and digest: bench/instructions.py runs each
// under callgrind and prints instructions per row for both sides.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <stowage/sqlite.hpp>

#include "common.hpp"
#include "events.hpp"

namespace {

namespace fs = std::filesystem;
using namespace bench_common;
using namespace bench_events;

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
  std::optional<phase_choice> phase;
};

constexpr std::initializer_list<phase_info> workloads = {{"insert", 1.03}, {"get", 1.03}, {"range", 1.08}};

options parse(int argc, char** argv) {
  const command_line cl("sqlite_bench",
                        "sqlite_bench [rows] [--reps=N] [--sync=off|normal|full] [--dir=PATH] "
                        "[--phase=raw-WORKLOAD|stowage-WORKLOAD|list]");
  options o;
  cl.parse(argc, argv, o.rows, o.reps, [&](std::string_view a) {
    if (auto v = option_value(a, "--sync="))
      o.sync = std::string(*v);
    else if (auto v = option_value(a, "--dir="))
      o.dir = std::string(*v);
    else if (auto v = option_value(a, "--phase="))
      o.phase = parse_phase(cl, *v, workloads);
    else
      return false;
    return true;
  });
  if (o.sync != "off" && o.sync != "normal" && o.sync != "full") cl.fail("--sync takes off, normal or full");
  return o;
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

// digest as an object rather than a function reference, so that the compiler inlines it into the
// stowage side's loops as it does into the raw side's (a reference to digest left it a call,
// about 45 instructions a get).
constexpr auto inlined_digest = [](const Event& e) { return digest(e); };

std::pair<std::uint64_t, std::size_t> stowage_range(const stowage::table<Event, stowage::sqlite>& t, std::int64_t lo,
                                                    std::int64_t hi) {
  using stowage::where;
  return digest_rows(t.query(where<&Event::time> >= lo && where<&Event::time> < hi), inlined_digest);
}

/// Removes a database file with its WAL and shared-memory files.
void remove_db(const fs::path& f) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(f.string() + suffix);
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

/// Warns where the raw side does not mirror stowage.
void check_mirror(const fs::path& dir, const options& o, const data_set& d, mirror_warnings& warnings) {
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
  warnings.expect_same("schema", stowage_schema, raw_schema);
  if (stowage_pragmas != raw_pragmas)
    warnings.warn("pragmas differ: stowage " + stowage_pragmas + ", raw " + raw_pragmas);
  warnings.expect_statements({sql_upsert, sql_get, sql_range}, seen, "run", "ran");
  std::printf("settings, both sides: %s\n", raw_pragmas.c_str());
  for (const fs::path& f : {sfile, rfile}) remove_db(f);
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
  mirror_warnings warnings;
  check_mirror(dir, o, d, warnings);
  mismatches check;

  samples insert, get, range;
  series plain_insert;
  const fs::path rfile = dir / "raw.db", pfile = dir / "raw-plain.db", sfile = dir / "stowage.db";
  for (int rep = 0; rep < o.reps; ++rep) {
    for (const fs::path& f : {rfile, pfile, sfile}) remove_db(f);
    {
      raw_db raw(rfile, o.sync), plain(pfile, o.sync);
      raw.create_schema();
      plain.create_schema();
      store sdb{url_of(sfile, o.sync)};
      auto t = sdb.table<Event>();
      const turn_order in_turn{rep % 2 == 0};

      // 1. bulk insert in one transaction
      auto raw_ins = [&] { timed(insert.raw, n, [&] { raw_insert(raw, d.events, sql_upsert); }); };
      auto sto_ins = [&] { timed(insert.stowage, n, [&] { t.put_many(d.events); }); };
      in_turn(raw_ins, sto_ins);
      timed(plain_insert, n, [&] { raw_insert(plain, d.events, sql_insert); });

      // 2. point gets in one shuffled order
      std::uint64_t rsum = 0, ssum = 0;
      auto raw_get = [&] { timed(get.raw, n, [&] { rsum = raw_gets(raw, d.probe); }); };
      auto sto_get = [&] { timed(get.stowage, n, [&] { ssum = stowage_gets(t, d.probe, inlined_digest); }); };
      in_turn(raw_get, sto_get);
      check.expect_same("point gets", rsum, ssum);

      // 3. range query over 10% of the rows
      std::pair<std::uint64_t, std::size_t> rr, sr;
      auto raw_rng = [&] { timed(range.raw, d.range_rows, [&] { rr = raw_range(raw, d.lo, d.hi); }); };
      auto sto_rng = [&] { timed(range.stowage, d.range_rows, [&] { sr = stowage_range(t, d.lo, d.hi); }); };
      in_turn(raw_rng, sto_rng);
      check.expect_same("range query (rows)", rr.second, sr.second);
      check.expect_same("range query (expected rows)", d.range_rows, sr.second);
      check.expect_same("range query (digest)", rr.first, sr.first);
    }
    std::fflush(stdout);
  }
  for (const fs::path& f : {rfile, pfile, sfile}) remove_db(f);

  std::printf(
      "\nns/row: median of %d (best in brackets); ratio = stowage/raw, medians (bests); target judged on the\n"
      "median ratio, for information only\n",
      o.reps);
  results_table table({32, 16, 15, 8}, "raw ns/row", "stowage ns/row");
  table.print_header();
  table.print_medians("bulk insert (put_many)", insert.raw.wall, insert.stowage.wall, target{"put_many", 1.15});
  table.print_medians("point get, random order", get.raw.wall, get.stowage.wall, target{"get", 1.15});
  table.print_medians(formatted("range query, %zu rows", d.range_rows), range.raw.wall, range.stowage.wall,
                      target{"range", 1.25});
  table.print_medians("info: put_many vs plain INSERT", plain_insert.wall, insert.stowage.wall);
  return finish(table, check, warnings);
}

/// --phase: one workload of one side, alone.
int run_phase(const options& o, const fs::path& dir) {
  const data_set d = make_data(o.rows);
  const phase_choice& p = *o.phase;
  const fs::path file = dir / "phase.db";
  remove_db(file);
  std::uint64_t sum = 0;
  std::size_t rows = o.rows;
  series time;
  auto measure = [&](auto&& f) { timed(time, 1, [&] { measured_phase(f); }); };
  if (!p.stowage) {
    raw_db raw(file, o.sync);
    raw.create_schema();
    if (p.workload != "insert") raw_insert(raw, d.events, sql_upsert);
    if (p.workload == "insert") measure([&] { raw_insert(raw, d.events, sql_upsert); });
    if (p.workload == "get") measure([&] { sum = raw_gets(raw, d.probe); });
    if (p.workload == "range") measure([&] { std::tie(sum, rows) = raw_range(raw, d.lo, d.hi); });
  } else {
    store sdb{url_of(file, o.sync)};
    auto t = sdb.table<Event>();
    if (p.workload != "insert") t.put_many(d.events);
    if (p.workload == "insert") measure([&] { t.put_many(d.events); });
    if (p.workload == "get") measure([&] { sum = stowage_gets(t, d.probe, inlined_digest); });
    if (p.workload == "range") measure([&] { std::tie(sum, rows) = stowage_range(t, d.lo, d.hi); });
  }
  if (p.workload == "insert")
    for (const Event& e : d.events) sum += digest(e);
  remove_db(file);
  print_phase(p, rows, sum, time.wall[0] / 1e9);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  return run_in_directory("sqlite_bench", o.dir, "stowage-bench-",
                          [&](const fs::path& dir) { return o.phase ? run_phase(o, dir) : run(o, dir); });
}
