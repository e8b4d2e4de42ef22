// The events model against the same work written with the raw C APIs of SQLite (sqlite3_*) and
// PostgreSQL (libpq), in one process.
//
//   models_events_bench [events] [--reps=N] [--dir=PATH] [--pg=URL]
//
// events defaults to 100,000, reps to 3; dir (the SQLite files) to a fresh directory under the
// system temp directory, removed afterwards. PostgreSQL runs when --pg or STOWAGE_TEST_PG_URL
// gives a server (scripts/with-pg sets it), in schemas of its own that it drops again.
//
// Two workloads, each side on a fresh database every repetition, alternating which side goes
// first:
// - save: `events` events, each with one link to the event before it, each in a transaction of
//   its own (BEGIN, the event's INSERT, the link's INSERT, COMMIT): a new time-ordered uuid for
//   the event and for the link, the payload serialized as JSON.
// - query: 200 queries of one schema id + a time window (a tenth of the events) + equality at a
//   JSON path in the payload (a number, as the model's JSON-path rules say: a string "13" does
//   not match 13), ordered by created time then id, every row decoded (payload parsed).
// - links: 200 queries of the events that link to one event ("follows" it): on both sides one
//   statement with a subquery, id IN (SELECT source FROM event_links WHERE ...) (the model's link
//   predicate is a generic sub-query, where<&event::id>.in(links.query(...).select<...>())).
// The raw side uses the same tables and indexes (on SQLite, the very statements stowage's
// sqlite_master holds; on PostgreSQL, the same column types and indexes), stowage's connection
// settings (WAL, synchronous=full; serializable transactions) and prepared statements. It is the
// floor: no record types, no codecs, no error handling beyond a status check. The program fails
// when the two sides find different events; it never judges timings.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <stowage/models/events.hpp>
#include <stowage/postgres.hpp>
#include <stowage/sqlite.hpp>

#include "common.hpp"
#include "pg_raw.hpp"

namespace {

namespace fs = std::filesystem;
using namespace bench_common;
using stowage::models::event;

constexpr int queries = 200;
const stowage::timestamp t0{std::chrono::seconds{1'700'000'000}};

// SQLite runs in this thread, so its CPU time (user and system) measures both sides' work
// without the noise of a busy machine; PostgreSQL's work is in the server: wall clock.
bool thread_cpu = false;
using clock_type = std::chrono::steady_clock;
template <class F>
double seconds(F&& f) {
  if (thread_cpu) {
    auto start = cpu_ns(cpu_clock::thread);
    f();
    return static_cast<double>(cpu_ns(cpu_clock::thread) - start) / 1e9;
  }
  auto start = clock_type::now();
  f();
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

struct options {
  std::size_t events = 100'000;
  int reps = 3;
  fs::path dir;
  std::string pg;
};

options parse(int argc, char** argv) {
  const command_line cl("models_events_bench", "models_events_bench [events] [--reps=N] [--dir=PATH] [--pg=URL]");
  options o;
  if (const char* url = std::getenv("STOWAGE_TEST_PG_URL")) o.pg = url;
  cl.parse(argc, argv, o.events, o.reps, [&](std::string_view a) {
    if (auto v = option_value(a, "--dir=")) {
      o.dir = fs::path(std::string(*v));
      return true;
    }
    if (auto v = option_value(a, "--pg=")) {
      o.pg = std::string(*v);
      return true;
    }
    return false;
  });
  return o;
}

// The i-th event's fields, the same on both sides.
std::string schema_of(std::size_t i) { return "schema." + std::to_string(i % 10); }
stowage::timestamp created_of(std::size_t i) { return t0 + std::chrono::seconds(static_cast<std::int64_t>(i)); }
nlohmann::json payload_of(std::size_t i) { return {{"k", i % 100}, {"n", i}, {"text", "an event of the benchmark"}}; }

// The q-th query: schema 3, a window of a tenth of the events, k == 13 (or 23, 33, ...).
struct query_args {
  std::string schema;
  stowage::timestamp from, to;
  std::int64_t k;
};
query_args query_of(int q, std::size_t n) {
  std::size_t width = n / 10, start = (static_cast<std::size_t>(q) * 7919) % (n - width);
  return {"schema.3", created_of(start), created_of(start + width), 3 + 10 * (q % 10)};
}

std::int64_t micros(stowage::timestamp t) { return t.time_since_epoch().count(); }

// ----- the model -----

template <class B>
void model_save(stowage::database<B>& db, std::size_t n) {
  stowage::models::events<B> events{db};
  stowage::uuid prev = stowage::new_uuid();  // the first event links to an event never stored
  for (std::size_t i = 0; i < n; ++i) {
    prev =
        events
            .save_event(
                {.schema_id = schema_of(i), .producer = "bench", .created_at = created_of(i), .payload = payload_of(i)},
                {}, {{.type = "follows", .target = prev}})
            .id;
  }
}

template <class B>
std::uint64_t model_query(stowage::database<B>& db, std::size_t n) {
  stowage::models::events<B> events{db};
  std::uint64_t digest = 0;
  for (int q = 0; q < queries; ++q) {
    auto a = query_of(q, n);
    for (const event& e :
         events.query_events({.schema_ids = {a.schema}, .from = a.from, .to = a.to, .payload = {{"/k", a.k}}}))
      digest += e.payload["n"].get<std::uint64_t>() + 1;
  }
  return digest;
}

// The events that follow the q-th target: the event created at target_of(q), found by its time
// on each side (outside the timing), then linked to by exactly one event.
std::size_t target_of(int q, std::size_t n) { return (static_cast<std::size_t>(q) * 7919) % (n - 1); }

template <class B>
std::uint64_t model_link_query(stowage::database<B>& db, std::size_t n, double& secs) {
  stowage::models::events<B> events{db};
  std::vector<stowage::uuid> targets;
  for (int q = 0; q < queries; ++q) {
    auto t = created_of(target_of(q, n));
    targets.push_back(events.query_events({.from = t, .to = t}).first()->id);
  }
  std::uint64_t digest = 0;
  secs = seconds([&] {
    for (const auto& target : targets)
      for (const event& e : events.query_events({.links = {{.type = "follows", .target = target}}}))
        digest += e.payload["n"].get<std::uint64_t>() + 1;
  });
  return digest;
}

// ----- raw SQLite -----

struct sqlite_db {
  sqlite3* db = nullptr;
  explicit sqlite_db(const fs::path& p) {
    if (sqlite3_open(p.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + p.string());
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=full");
  }
  ~sqlite_db() { sqlite3_close(db); }
  void exec(const std::string& sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(sql + ": " + m);
    }
  }
  sqlite3_stmt* prepare(const char* sql) const {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db));
    return s;
  }
  void step_done(sqlite3_stmt* s) const {
    if (sqlite3_step(s) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
    sqlite3_reset(s);
  }
};

// The tables and indexes exactly as stowage made them in `model`.
void copy_schema(const fs::path& model, const sqlite_db& raw) {
  sqlite_db from(model);
  sqlite3_stmt* s = from.prepare(
      "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name IN (SELECT name FROM sqlite_master "
      "WHERE tbl_name IN ('events', 'event_links')) ORDER BY type DESC");
  while (sqlite3_step(s) == SQLITE_ROW) raw.exec(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
}

void raw_sqlite_save(const sqlite_db& d, std::size_t n) {
  sqlite3_stmt* begin = d.prepare("BEGIN IMMEDIATE");
  sqlite3_stmt* commit = d.prepare("COMMIT");
  sqlite3_stmt* ev = d.prepare(
      "INSERT INTO events (id, schema_id, producer, created_at, payload, metadata, files) VALUES (?, ?, ?, ?, ?, NULL, "
      "?)");
  sqlite3_stmt* link =
      d.prepare("INSERT INTO event_links (id, source, type, target, metadata) VALUES (?, ?, ?, ?, NULL)");
  std::string prev = stowage::uuid_text(stowage::new_uuid());
  for (std::size_t i = 0; i < n; ++i) {
    std::string id = stowage::uuid_text(stowage::new_uuid()), link_id = stowage::uuid_text(stowage::new_uuid());
    std::string schema = schema_of(i), payload = payload_of(i).dump(), files = nlohmann::json::array().dump();
    d.step_done(begin);
    sqlite3_bind_text(ev, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    sqlite3_bind_text(ev, 2, schema.data(), static_cast<int>(schema.size()), SQLITE_STATIC);
    sqlite3_bind_text(ev, 3, "bench", 5, SQLITE_STATIC);
    sqlite3_bind_int64(ev, 4, micros(created_of(i)));
    sqlite3_bind_text(ev, 5, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
    sqlite3_bind_text(ev, 6, files.data(), static_cast<int>(files.size()), SQLITE_STATIC);
    d.step_done(ev);
    sqlite3_bind_text(link, 1, link_id.data(), static_cast<int>(link_id.size()), SQLITE_STATIC);
    sqlite3_bind_text(link, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    sqlite3_bind_text(link, 3, "follows", 7, SQLITE_STATIC);
    sqlite3_bind_text(link, 4, prev.data(), static_cast<int>(prev.size()), SQLITE_STATIC);
    d.step_done(link);
    d.step_done(commit);
    prev = std::move(id);
  }
  for (auto* s : {begin, commit, ev, link}) sqlite3_finalize(s);
}

std::uint64_t raw_sqlite_query(const sqlite_db& d, std::size_t n) {
  sqlite3_stmt* s = d.prepare(
      "SELECT id, schema_id, producer, created_at, payload, metadata, files FROM events WHERE schema_id IN (?) AND "
      "created_at >= ? AND created_at <= ? AND json_type(payload, '$.k') IN ('integer', 'real') AND "
      "json_extract(payload, '$.k') = ? ORDER BY created_at, id");
  std::uint64_t digest = 0;
  for (int q = 0; q < queries; ++q) {
    auto a = query_of(q, n);
    sqlite3_bind_text(s, 1, a.schema.data(), static_cast<int>(a.schema.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, micros(a.from));
    sqlite3_bind_int64(s, 3, micros(a.to));
    sqlite3_bind_int64(s, 4, a.k);
    while (sqlite3_step(s) == SQLITE_ROW) {
      event e{};
      e.id = *stowage::parse_uuid(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
      e.schema_id = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
      e.producer = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
      e.created_at = stowage::timestamp(std::chrono::microseconds(sqlite3_column_int64(s, 3)));
      e.payload = nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(s, 4)));
      e.files = nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(s, 6)))
                    .get<std::vector<std::string>>();
      digest += e.payload["n"].get<std::uint64_t>() + 1;
    }
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  return digest;
}

std::uint64_t raw_sqlite_link_query(const sqlite_db& d, std::size_t n, double& secs) {
  sqlite3_stmt* by_time = d.prepare("SELECT id FROM events WHERE created_at = ?");
  std::vector<std::string> targets;
  for (int q = 0; q < queries; ++q) {
    sqlite3_bind_int64(by_time, 1, micros(created_of(target_of(q, n))));
    if (sqlite3_step(by_time) == SQLITE_ROW)
      targets.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(by_time, 0)));
    sqlite3_reset(by_time);
  }
  sqlite3_finalize(by_time);
  sqlite3_stmt* s = d.prepare(
      "SELECT id, schema_id, producer, created_at, payload, metadata, files FROM events WHERE id IN (SELECT source "
      "FROM "
      "event_links WHERE type = ? AND target = ?) ORDER BY created_at, id");
  std::uint64_t digest = 0;
  secs = seconds([&] {
    for (const auto& target : targets) {
      sqlite3_bind_text(s, 1, "follows", 7, SQLITE_STATIC);
      sqlite3_bind_text(s, 2, target.data(), static_cast<int>(target.size()), SQLITE_STATIC);
      while (sqlite3_step(s) == SQLITE_ROW) {
        event e{};
        e.id = *stowage::parse_uuid(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
        e.schema_id = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
        e.producer = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
        e.created_at = stowage::timestamp(std::chrono::microseconds(sqlite3_column_int64(s, 3)));
        e.payload = nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(s, 4)));
        e.files = nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(s, 6)))
                      .get<std::vector<std::string>>();
        digest += e.payload["n"].get<std::uint64_t>() + 1;
      }
      sqlite3_reset(s);
    }
  });
  sqlite3_finalize(s);
  return digest;
}

// ----- raw libpq -----

std::string with_schema(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "schema=" + schema;
}

void raw_pg_schema(const pg_conn& p) {
  p.exec(
      "CREATE TABLE events (id text PRIMARY KEY, schema_id text NOT NULL, producer text NOT NULL, created_at "
      "timestamptz NOT NULL, payload jsonb NOT NULL, metadata jsonb, files jsonb NOT NULL)");
  p.exec("CREATE INDEX ON events (created_at, id)");
  p.exec("CREATE INDEX ON events (schema_id, created_at)");
  p.exec("CREATE INDEX ON events (producer, created_at)");
  p.exec(
      "CREATE TABLE event_links (id text PRIMARY KEY, source text NOT NULL, type text NOT NULL, target text NOT "
      "NULL, metadata jsonb)");
  p.exec("CREATE INDEX ON event_links (source, id)");
  p.exec("CREATE INDEX ON event_links (target, type)");
  p.exec("CREATE INDEX ON event_links (type)");
}

std::string pg_time(stowage::timestamp t) {
  return std::to_string(micros(t) / 1'000'000) + "." + [&] {
    std::string f = std::to_string(micros(t) % 1'000'000);
    return std::string(6 - f.size(), '0') + f;
  }();
}

void raw_pg_save(const pg_conn& p, std::size_t n) {
  p.prepare("begin", "BEGIN ISOLATION LEVEL SERIALIZABLE");
  p.prepare("commit", "COMMIT");
  p.prepare("ev",
            "INSERT INTO events (id, schema_id, producer, created_at, payload, metadata, files) VALUES ($1, $2, $3, "
            "to_timestamp($4::numeric), $5::jsonb, NULL, $6::jsonb)");
  p.prepare("link", "INSERT INTO event_links (id, source, type, target, metadata) VALUES ($1, $2, $3, $4, NULL)");
  std::string prev = stowage::uuid_text(stowage::new_uuid());
  for (std::size_t i = 0; i < n; ++i) {
    std::string id = stowage::uuid_text(stowage::new_uuid()), link_id = stowage::uuid_text(stowage::new_uuid());
    std::string schema = schema_of(i), payload = payload_of(i).dump(), files = nlohmann::json::array().dump(),
                created = pg_time(created_of(i));
    PQclear(p.run("begin", 0, nullptr));
    const char* ev[] = {id.c_str(), schema.c_str(), "bench", created.c_str(), payload.c_str(), files.c_str()};
    PQclear(p.run("ev", 6, ev));
    const char* link[] = {link_id.c_str(), id.c_str(), "follows", prev.c_str()};
    PQclear(p.run("link", 4, link));
    PQclear(p.run("commit", 0, nullptr));
    prev = std::move(id);
  }
}

std::uint64_t raw_pg_query(const pg_conn& p, std::size_t n) {
  // created as microseconds since the epoch, so that it decodes without parsing dates
  p.prepare(
      "q",
      "SELECT id, schema_id, producer, (extract(epoch FROM created_at) * 1000000)::int8, payload, metadata, files "
      "FROM events WHERE schema_id IN ($1) AND created_at >= to_timestamp($2::numeric) AND created_at <= "
      "to_timestamp($3::numeric) AND jsonb_typeof(payload #> '{k}') = 'number' AND payload #> '{k}' = "
      "$4::jsonb ORDER BY created_at, id");
  std::uint64_t digest = 0;
  for (int q = 0; q < queries; ++q) {
    auto a = query_of(q, n);
    std::string from = pg_time(a.from), to = pg_time(a.to), k = std::to_string(a.k);
    const char* v[] = {a.schema.c_str(), from.c_str(), to.c_str(), k.c_str()};
    PGresult* r = p.run("q", 4, v);
    for (int row = 0; row < PQntuples(r); ++row) {
      event e{};
      e.id = *stowage::parse_uuid(PQgetvalue(r, row, 0));
      e.schema_id = PQgetvalue(r, row, 1);
      e.producer = PQgetvalue(r, row, 2);
      e.created_at = stowage::timestamp(std::chrono::microseconds(std::strtoll(PQgetvalue(r, row, 3), nullptr, 10)));
      e.payload = nlohmann::json::parse(PQgetvalue(r, row, 4));
      e.files = nlohmann::json::parse(PQgetvalue(r, row, 6)).get<std::vector<std::string>>();
      digest += e.payload["n"].get<std::uint64_t>() + 1;
    }
    PQclear(r);
  }
  return digest;
}

std::uint64_t raw_pg_link_query(const pg_conn& p, std::size_t n, double& secs) {
  p.prepare("by_time", "SELECT id FROM events WHERE created_at = to_timestamp($1::numeric)");
  std::vector<std::string> targets;
  for (int q = 0; q < queries; ++q) {
    std::string t = pg_time(created_of(target_of(q, n)));
    const char* v[] = {t.c_str()};
    PGresult* r = p.run("by_time", 1, v);
    if (PQntuples(r) == 1) targets.emplace_back(PQgetvalue(r, 0, 0));
    PQclear(r);
  }
  p.prepare(
      "lq",
      "SELECT id, schema_id, producer, (extract(epoch FROM created_at) * 1000000)::int8, payload, metadata, files "
      "FROM events WHERE id IN (SELECT source FROM event_links WHERE type = $1 AND target = $2) ORDER BY "
      "created_at, id");
  std::uint64_t digest = 0;
  secs = seconds([&] {
    for (const auto& target : targets) {
      const char* v[] = {"follows", target.c_str()};
      PGresult* r = p.run("lq", 2, v);
      for (int row = 0; row < PQntuples(r); ++row) {
        event e{};
        e.id = *stowage::parse_uuid(PQgetvalue(r, row, 0));
        e.schema_id = PQgetvalue(r, row, 1);
        e.producer = PQgetvalue(r, row, 2);
        e.created_at = stowage::timestamp(std::chrono::microseconds(std::strtoll(PQgetvalue(r, row, 3), nullptr, 10)));
        e.payload = nlohmann::json::parse(PQgetvalue(r, row, 4));
        e.files = nlohmann::json::parse(PQgetvalue(r, row, 6)).get<std::vector<std::string>>();
        digest += e.payload["n"].get<std::uint64_t>() + 1;
      }
      PQclear(r);
    }
  });
  return digest;
}

// ----- running -----

struct result {
  std::vector<double> raw_save, model_save, raw_query, model_query, raw_links, model_links;
};

void print(const char* backend, const result& r, std::size_t n) {
  auto line = [&](const char* what, const std::vector<double>& raw, const std::vector<double>& model, double units) {
    double a = median(raw), b = median(model);
    std::printf("%-10s %-6s raw %9.2f us  model %9.2f us  ratio %.2f (target <= 1.3)\n", backend, what, a / units * 1e6,
                b / units * 1e6, b / a);
  };
  line("save", r.raw_save, r.model_save, static_cast<double>(n));
  line("query", r.raw_query, r.model_query, queries);
  line("links", r.raw_links, r.model_links, queries);
}

int run(const options& o, const fs::path& dir) {
  std::printf(
      "%zu events with one link each (per event); %d queries (per query); median of %d runs; sqlite: "
      "thread CPU time, postgres: wall clock\n",
      o.events, queries, o.reps);
  // the tables and indexes as stowage makes them, for the raw side to copy
  const fs::path schema_file = dir / "schema.db";
  {
    stowage::database<stowage::sqlite> db{"file:" + schema_file.string()};
    (void)db.table<event>().count();
    (void)db.table<stowage::models::event_link>().count();
  }
  result lite;
  thread_cpu = true;
  for (int rep = 0; rep < o.reps; ++rep) {
    const fs::path model_file = dir / ("model-" + std::to_string(rep) + ".db"),
                   raw_file = dir / ("raw-" + std::to_string(rep) + ".db");
    std::uint64_t model_digest = 0, raw_digest = 0;
    auto model_side = [&] {
      stowage::database<stowage::sqlite> db{"file:" + model_file.string()};
      lite.model_save.push_back(seconds([&] { model_save(db, o.events); }));
      lite.model_query.push_back(seconds([&] { model_digest = model_query(db, o.events); }));
      model_digest += 3 * model_link_query(db, o.events, lite.model_links.emplace_back());
    };
    auto raw_side = [&] {
      sqlite_db d(raw_file);
      copy_schema(schema_file, d);
      lite.raw_save.push_back(seconds([&] { raw_sqlite_save(d, o.events); }));
      lite.raw_query.push_back(seconds([&] { raw_digest = raw_sqlite_query(d, o.events); }));
      raw_digest += 3 * raw_sqlite_link_query(d, o.events, lite.raw_links.emplace_back());
    };
    if (rep % 2) {
      model_side();
      raw_side();
    } else {
      raw_side();
      model_side();
    }
    if (model_digest != raw_digest || model_digest == 0) {
      std::fprintf(stderr, "sqlite: the two sides found different events (%llu, %llu)\n",
                   static_cast<unsigned long long>(model_digest), static_cast<unsigned long long>(raw_digest));
      return 1;
    }
  }
  print("sqlite", lite, o.events);
  thread_cpu = false;

  if (o.pg.empty()) {
    std::printf("postgres   skipped (no --pg=URL and no STOWAGE_TEST_PG_URL)\n");
    return 0;
  }
  result pg;
  pg_conn admin(o.pg);
  for (int rep = 0; rep < o.reps; ++rep) {
    for (const char* s : {"bench_events_model", "bench_events_raw"}) {
      admin.exec(std::string("DROP SCHEMA IF EXISTS ") + s + " CASCADE");
    }
    std::uint64_t model_digest = 0, raw_digest = 0;
    auto model_side = [&] {
      stowage::database<stowage::postgres> db{with_schema(o.pg, "bench_events_model")};
      pg.model_save.push_back(seconds([&] { model_save(db, o.events); }));
      pg.model_query.push_back(seconds([&] { model_digest = model_query(db, o.events); }));
      model_digest += 3 * model_link_query(db, o.events, pg.model_links.emplace_back());
    };
    auto raw_side = [&] {
      admin.exec("CREATE SCHEMA bench_events_raw");
      pg_conn p(o.pg);
      p.exec("SET search_path TO bench_events_raw");
      raw_pg_schema(p);
      pg.raw_save.push_back(seconds([&] { raw_pg_save(p, o.events); }));
      pg.raw_query.push_back(seconds([&] { raw_digest = raw_pg_query(p, o.events); }));
      raw_digest += 3 * raw_pg_link_query(p, o.events, pg.raw_links.emplace_back());
    };
    if (rep % 2) {
      model_side();
      raw_side();
    } else {
      raw_side();
      model_side();
    }
    if (model_digest != raw_digest || model_digest == 0) {
      std::fprintf(stderr, "postgres: the two sides found different events (%llu, %llu)\n",
                   static_cast<unsigned long long>(model_digest), static_cast<unsigned long long>(raw_digest));
      return 1;
    }
  }
  for (const char* s : {"bench_events_model", "bench_events_raw"})
    admin.exec(std::string("DROP SCHEMA IF EXISTS ") + s + " CASCADE");
  print("postgres", pg, o.events);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  return run_in_directory("models_events_bench", o.dir, "stowage-events-bench-",
                          [&](const fs::path& dir) { return run(o, dir); });
}
