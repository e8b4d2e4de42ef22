// The prompts model (models/prompts.hpp) against the same work written directly with the raw C
// APIs of SQLite and libpq, in one process: creating prompt versions.
//
//   models_prompts_bench [versions] [--names=N] [--reps=N] [--dir=PATH]
//
// versions defaults to 10000, spread round-robin over `names` names (default 100), reps to 5.
// PostgreSQL runs too when STOWAGE_TEST_PG_URL names a server (scripts/with-pg starts a
// throwaway one): scripts/with-pg build/rel/bench/models_prompts_bench
//
// Each create is one transaction, as prompts::create's: read the version by its key (it must not
// exist), read the name's counter, read the old latest version and write it back unflagged, insert
// the new version as the latest with the counter's sequence number, and upsert the counter. Both
// sides check the labels, build the key, serialize the config and take the time the same way;
// the raw side binds every column and decodes every row it reads, with statements prepared once.
// The tables and indexes are the same: SQLite's raw side runs the DDL stowage created (read back
// from sqlite_master); PostgreSQL's raw side creates the same columns and indexes by hand. Both
// SQLite files use WAL and synchronous=off (nothing is flushed to disk: what is measured is the
// library, not the disk); transactions begin IMMEDIATE. PostgreSQL transactions are
// serializable on both sides (stowage's default; a lost race is retried on both). Each repetition
// starts from empty tables; the figures are the medians over the repetitions of the wall-clock
// time and of this process's CPU time per create, the order of the sides alternating. Both sides' tables are compared
// at the end of each repetition (the same versions, sequences, latest flags and counters); a difference fails the
// program.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <stowage/models/prompts.hpp>
#include <stowage/postgres.hpp>
#include <stowage/sqlite.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common.hpp"
#include "pg_raw.hpp"

namespace {

using namespace bench_common;
using stowage::models::prompt_draft;

std::vector<prompt_draft> workload(std::size_t versions, std::size_t names) {
  std::vector<prompt_draft> out;
  out.reserve(versions);
  for (std::size_t i = 0; i < versions; ++i) {
    std::size_t n = i % names, k = i / names;
    out.push_back({"prompt-" + std::to_string(n),
                   "v" + std::to_string(k + 1),
                   "You are assistant number " + std::to_string(n) + ". Answer briefly.",
                   "Question " + std::to_string(k) + ": {{question}}",
                   {{"model", n % 2 ? "small" : "large"}, {"temperature", 0.1 * static_cast<double>(k % 10)}}});
  }
  return out;
}

// What both sides do before touching the database (prompts::create does the same).
bool valid_label(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}
std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a check reads from either side: every version's id, sequence and latest flag, and every
// counter, as one text.
std::string version_digest_sql() {
  return "SELECT string_agg(id || '/' || sequence || '/' || CASE WHEN latest THEN 1 ELSE 0 END, ',' ORDER BY id) "
         "FROM prompt_versions";
}

// ---------------------------------------------------------------------------------------------
// SQLite.

struct raw_sqlite {
  sqlite3* db = nullptr;
  sqlite3_stmt *begin = nullptr, *commit = nullptr, *rollback = nullptr, *get_version = nullptr, *get_counter = nullptr,
               *update_version = nullptr, *insert_version = nullptr, *put_counter = nullptr;

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(std::string(sql) + ": " + m);
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db));
    return s;
  }
  void step_done(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
    sqlite3_reset(s);
  }

  raw_sqlite(const std::string& path, const std::string& ddl) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
    sqlite3_busy_timeout(db, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=off");
    exec(ddl.c_str());
    begin = prepare("BEGIN IMMEDIATE");
    commit = prepare("COMMIT");
    rollback = prepare("ROLLBACK");
    const char* cols =
        "\"id\", \"name\", \"version\", \"system\", \"user\", \"config\", \"sequence\", \"latest\", "
        "\"created_at\", \"updated_at\"";
    get_version = prepare((std::string("SELECT ") + cols + " FROM \"prompt_versions\" WHERE \"id\" = ?1").c_str());
    get_counter =
        prepare("SELECT \"name\", \"next_sequence\", \"latest\" FROM \"prompt_counters\" WHERE \"name\" = ?1");
    update_version = prepare(
        "UPDATE \"prompt_versions\" SET \"name\" = ?2, \"version\" = ?3, \"system\" = ?4, \"user\" = ?5, "
        "\"config\" = ?6, \"sequence\" = ?7, \"latest\" = ?8, \"created_at\" = ?9, \"updated_at\" = ?10 WHERE "
        "\"id\" = ?1");
    insert_version = prepare(
        (std::string("INSERT INTO \"prompt_versions\" (") + cols + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
            .c_str());
    put_counter = prepare(
        "INSERT INTO \"prompt_counters\" (\"name\", \"next_sequence\", \"latest\") VALUES (?1, ?2, ?3) ON CONFLICT "
        "(\"name\") DO UPDATE SET \"next_sequence\" = excluded.\"next_sequence\", \"latest\" = excluded.\"latest\"");
  }
  ~raw_sqlite() {
    for (sqlite3_stmt* s :
         {begin, commit, rollback, get_version, get_counter, update_version, insert_version, put_counter})
      sqlite3_finalize(s);
    sqlite3_close(db);
  }

  struct row {
    std::string id, name, version, system, user, config;
    std::int64_t sequence = 0;
    bool latest = false;
    std::int64_t created_at = 0, updated_at = 0;
    nlohmann::json parsed{};
  };
  static std::string text(sqlite3_stmt* s, int i) {
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, i)),
                       static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
  }
  bool read_version(const std::string& key, row& r) {
    sqlite3_bind_text(get_version, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    bool found = sqlite3_step(get_version) == SQLITE_ROW;
    if (found) {
      r.id = text(get_version, 0);
      r.name = text(get_version, 1);
      r.version = text(get_version, 2);
      r.system = text(get_version, 3);
      r.user = text(get_version, 4);
      r.config = text(get_version, 5);
      r.parsed = nlohmann::json::parse(r.config);  // a program reading the row gets its config
      r.sequence = sqlite3_column_int64(get_version, 6);
      r.latest = sqlite3_column_int(get_version, 7) != 0;
      r.created_at = sqlite3_column_int64(get_version, 8);
      r.updated_at = sqlite3_column_int64(get_version, 9);
    }
    sqlite3_reset(get_version);
    return found;
  }
  void bind_row(sqlite3_stmt* s, const row& r) {
    sqlite3_bind_text(s, 1, r.id.data(), static_cast<int>(r.id.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r.name.data(), static_cast<int>(r.name.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r.version.data(), static_cast<int>(r.version.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r.system.data(), static_cast<int>(r.system.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r.user.data(), static_cast<int>(r.user.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r.config.data(), static_cast<int>(r.config.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, r.sequence);
    sqlite3_bind_int(s, 8, r.latest ? 1 : 0);
    sqlite3_bind_int64(s, 9, r.created_at);
    sqlite3_bind_int64(s, 10, r.updated_at);
  }

  void create(const prompt_draft& d) {
    if (!valid_label(d.name) || !valid_label(d.version)) throw std::runtime_error("bad label");
    const std::string key = d.name + ":" + d.version;
    step_done(begin);
    try {
      row existing;
      if (read_version(key, existing)) throw std::runtime_error("exists: " + key);
      std::int64_t next = 1;
      std::string latest;
      sqlite3_bind_text(get_counter, 1, d.name.data(), static_cast<int>(d.name.size()), SQLITE_STATIC);
      if (sqlite3_step(get_counter) == SQLITE_ROW) {
        next = sqlite3_column_int64(get_counter, 1);
        latest = text(get_counter, 2);
      }
      sqlite3_reset(get_counter);
      if (!latest.empty()) {
        row old;
        if (read_version(d.name + ":" + latest, old)) {
          old.latest = false;
          old.config = old.parsed.dump();
          bind_row(update_version, old);
          step_done(update_version);
        }
      }
      const std::int64_t now = now_us();
      row v{key, d.name, d.version, d.system, d.user, d.config.dump(), next, true, now, now};
      bind_row(insert_version, v);
      step_done(insert_version);
      const std::int64_t after = next + 1;
      sqlite3_bind_text(put_counter, 1, d.name.data(), static_cast<int>(d.name.size()), SQLITE_STATIC);
      sqlite3_bind_int64(put_counter, 2, after);
      sqlite3_bind_text(put_counter, 3, d.version.data(), static_cast<int>(d.version.size()), SQLITE_STATIC);
      step_done(put_counter);
      step_done(commit);
    } catch (...) {
      sqlite3_reset(begin);
      step_done(rollback);
      throw;
    }
  }
};

std::string sqlite_digest(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT group_concat(d, ',') FROM (SELECT id || '/' || sequence || '/' || latest AS d FROM "
                     "prompt_versions ORDER BY id) UNION ALL SELECT group_concat(c, ',') FROM (SELECT name || '/' || "
                     "next_sequence || '/' || latest AS c FROM prompt_counters ORDER BY name)",
                     -1, &s, nullptr);
  std::string out;
  while (sqlite3_step(s) == SQLITE_ROW)
    if (sqlite3_column_text(s, 0)) out += reinterpret_cast<const char*>(sqlite3_column_text(s, 0)) + std::string("|");
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

// The DDL stowage ran, so that the raw side has the very same tables and indexes.
std::string stowage_ddl(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name LIKE 'prompt%' ORDER BY rowid",
                     -1, &s, nullptr);
  std::string ddl;
  while (sqlite3_step(s) == SQLITE_ROW)
    ddl += reinterpret_cast<const char*>(sqlite3_column_text(s, 0)) + std::string(";\n");
  sqlite3_finalize(s);
  sqlite3_close(db);
  return ddl;
}

// Runs `run` (n creates), adding its wall-clock and CPU time (this process's) per create, in us.
struct times {
  std::vector<double> wall, cpu;
};
void time_creates(const std::function<void()>& run, std::size_t n, times& out) {
  const std::int64_t cpu0 = cpu_ns(cpu_clock::process);
  const auto t0 = clock_type::now();
  run();
  const double wall = std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
  const double cpu = static_cast<double>(cpu_ns(cpu_clock::process) - cpu0) / 1000.0;
  out.wall.push_back(wall / static_cast<double>(n));
  out.cpu.push_back(cpu / static_cast<double>(n));
}

void report(const char* backend, std::size_t n, int reps, const times& raw, const times& model) {
  const double rw = median(raw.wall), mw = median(model.wall), rc = median(raw.cpu), mc = median(model.cpu);
  std::printf(
      "%-9s create %zu versions, per create (median of %d): wall raw %7.1f us, model %7.1f us, ratio %.2f; "
      "client CPU raw %6.1f us, model %6.1f us, ratio %.2f\n",
      backend, n, reps, rw, mw, mw / rw, rc, mc, mc / rc);
}

bool sqlite_side(const std::vector<prompt_draft>& work, int reps, const fs::path& dir) {
  times raw_us, model_us;
  bool same = true;
  std::string ddl;
  {  // stowage creates the tables once, to learn its DDL
    const std::string probe = (dir / "probe.db").string();
    stowage::database<stowage::sqlite> db{"file:" + probe};
    stowage::models::prompts p{db};
    ddl = stowage_ddl(probe);
  }
  for (int rep = 0; rep < reps; ++rep) {
    const std::string model_path = (dir / ("model-" + std::to_string(rep) + ".db")).string();
    const std::string raw_path = (dir / ("raw-" + std::to_string(rep) + ".db")).string();
    auto model_run = [&] {
      stowage::database<stowage::sqlite> db{"file:" + model_path + "?synchronous=off"};
      stowage::models::prompts p{db};
      time_creates(
          [&] {
            for (const auto& d : work) p.create_version(d);
          },
          work.size(), model_us);
    };
    auto raw_run = [&] {
      raw_sqlite raw(raw_path, ddl);
      time_creates(
          [&] {
            for (const auto& d : work) raw.create(d);
          },
          work.size(), raw_us);
    };
    if (rep % 2) {
      model_run();
      raw_run();
    } else {
      raw_run();
      model_run();
    }
    std::string a = sqlite_digest(raw_path), b = sqlite_digest(model_path);
    if (a != b || a.empty()) {
      std::printf("MISMATCH in sqlite repetition %d: the two sides stored different versions or counters\n", rep);
      same = false;
    }
  }
  report("sqlite", work.size(), reps, raw_us, model_us);
  return same;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL.

// A timestamp as PostgreSQL's text input reads it, in UTC to the microsecond.
std::string pg_time(std::int64_t us) {
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us % 1000000));
  return buf;
}

struct raw_pg {
  pg_conn conn;
  struct serialization_failure {};

  raw_pg(const std::string& url, const std::string& schema) : conn(url) {
    conn.exec("SET search_path TO " + schema);
    conn.exec(
        "CREATE TABLE prompt_versions (id text NOT NULL PRIMARY KEY, name text NOT NULL, version text NOT NULL, "
        "system text NOT NULL, \"user\" text NOT NULL, config jsonb NOT NULL, sequence bigint NOT NULL, latest "
        "boolean NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);"
        "CREATE UNIQUE INDEX ON prompt_versions (name, version);"
        "CREATE UNIQUE INDEX ON prompt_versions (name, sequence);"
        "CREATE INDEX ON prompt_versions (name, latest);"
        "CREATE INDEX ON prompt_versions (created_at);"
        "CREATE TABLE prompt_counters (name text NOT NULL PRIMARY KEY, next_sequence bigint NOT NULL, latest text NOT "
        "NULL)");
    prepare("get_version",
            "SELECT id, name, version, system, \"user\", config, sequence, latest, created_at, updated_at FROM "
            "prompt_versions WHERE id = $1");
    prepare("get_counter", "SELECT name, next_sequence, latest FROM prompt_counters WHERE name = $1");
    prepare("update_version",
            "UPDATE prompt_versions SET name = $2, version = $3, system = $4, \"user\" = $5, config = $6, sequence = "
            "$7, latest = $8, created_at = $9, updated_at = $10 WHERE id = $1");
    prepare("insert_version",
            "INSERT INTO prompt_versions (id, name, version, system, \"user\", config, sequence, latest, created_at, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
    prepare("put_counter",
            "INSERT INTO prompt_counters (name, next_sequence, latest) VALUES ($1, $2, $3) ON CONFLICT (name) DO "
            "UPDATE SET next_sequence = EXCLUDED.next_sequence, latest = EXCLUDED.latest");
  }
  void prepare(const char* name, const char* sql) {
    PGresult* r = PQprepare(conn.c, name, sql, 0, nullptr);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) throw std::runtime_error(std::string(sql) + ": " + PQerrorMessage(conn.c));
  }
  PGresult* run(const char* name, std::initializer_list<const std::string*> params, ExecStatusType want) {
    const char* values[10];
    int lengths[10], formats[10];
    int n = 0;
    for (const std::string* p : params) {
      values[n] = p->c_str();
      lengths[n] = static_cast<int>(p->size());
      formats[n] = 0;
      ++n;
    }
    PGresult* r = PQexecPrepared(conn.c, name, n, values, lengths, formats, 0);
    if (PQresultStatus(r) != want) {
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      bool retry = state && (std::string(state) == "40001" || std::string(state) == "40P01");
      std::string err = PQerrorMessage(conn.c);
      PQclear(r);
      if (retry) throw serialization_failure{};
      throw std::runtime_error(std::string(name) + ": " + err);
    }
    return r;
  }
  struct row {
    std::string id, name, version, system, user, config, sequence, latest, created_at, updated_at;
    nlohmann::json parsed{};
    std::int64_t seq = 0;
  };
  bool read_version(const std::string& key, row& out) {
    PGresult* r = run("get_version", {&key}, PGRES_TUPLES_OK);
    bool found = PQntuples(r) > 0;
    if (found) {
      std::string* f[] = {&out.id,     &out.name,     &out.version, &out.system,     &out.user,
                          &out.config, &out.sequence, &out.latest,  &out.created_at, &out.updated_at};
      for (int i = 0; i < 10; ++i) f[i]->assign(PQgetvalue(r, 0, i), static_cast<std::size_t>(PQgetlength(r, 0, i)));
      out.parsed = nlohmann::json::parse(out.config);
      out.seq = std::stoll(out.sequence);
    }
    PQclear(r);
    return found;
  }
  void create_once(const prompt_draft& d, const std::string& key) {
    conn.exec("BEGIN ISOLATION LEVEL SERIALIZABLE");
    try {
      row existing;
      if (read_version(key, existing)) throw std::runtime_error("exists: " + key);
      std::int64_t next = 1;
      std::string latest;
      PGresult* c = run("get_counter", {&d.name}, PGRES_TUPLES_OK);
      if (PQntuples(c) > 0) {
        next = std::stoll(PQgetvalue(c, 0, 1));
        latest = PQgetvalue(c, 0, 2);
      }
      PQclear(c);
      if (!latest.empty()) {
        row old;
        if (read_version(d.name + ":" + latest, old)) {
          old.latest = "false";
          old.config = old.parsed.dump();
          PQclear(run("update_version",
                      {&old.id, &old.name, &old.version, &old.system, &old.user, &old.config, &old.sequence,
                       &old.latest, &old.created_at, &old.updated_at},
                      PGRES_COMMAND_OK));
        }
      }
      const std::string now = pg_time(now_us()), config = d.config.dump(), seq = std::to_string(next), yes = "true",
                        after = std::to_string(next + 1);
      PQclear(run("insert_version", {&key, &d.name, &d.version, &d.system, &d.user, &config, &seq, &yes, &now, &now},
                  PGRES_COMMAND_OK));
      PQclear(run("put_counter", {&d.name, &after, &d.version}, PGRES_COMMAND_OK));
      PGresult* r = PQexec(conn.c, "COMMIT");
      bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      bool retry = state && std::string(state) == "40001";
      PQclear(r);
      if (retry) throw serialization_failure{};
      if (!ok) throw std::runtime_error("COMMIT failed");
    } catch (...) {
      conn.exec("ROLLBACK");
      throw;
    }
  }
  void create(const prompt_draft& d) {
    if (!valid_label(d.name) || !valid_label(d.version)) throw std::runtime_error("bad label");
    const std::string key = d.name + ":" + d.version;
    for (int attempt = 1;; ++attempt) {
      try {
        create_once(d, key);
        return;
      } catch (const serialization_failure&) {
        if (attempt >= 200) throw std::runtime_error("gave up after 200 serialization failures");
      }
    }
  }
};

bool postgres_side(const std::vector<prompt_draft>& work, int reps, const std::string& url) {
  times raw_us, model_us;
  bool same = true;
  pg_conn admin(url);
  const std::string digest =
      version_digest_sql() +
      " UNION ALL SELECT string_agg(name || '/' || next_sequence || '/' || latest, ',' ORDER BY name) FROM "
      "prompt_counters";
  auto both = [&](const std::string& schema) {
    admin.exec("SET search_path TO " + schema);
    PGresult* r = PQexec(admin.c, digest.c_str());
    std::string out;
    for (int i = 0; i < PQntuples(r); ++i) out += std::string(PQgetvalue(r, i, 0)) + "|";
    PQclear(r);
    return out;
  };
  for (int rep = 0; rep < reps; ++rep) {
    admin.exec("DROP SCHEMA IF EXISTS bench_prompts_raw CASCADE; CREATE SCHEMA bench_prompts_raw");
    admin.exec("DROP SCHEMA IF EXISTS bench_prompts_model CASCADE");
    auto model_run = [&] {
      std::string u = url + (url.find('?') == std::string::npos ? "?" : "&") + "schema=bench_prompts_model";
      stowage::database<stowage::postgres> db{u};
      stowage::models::prompts p{db};
      time_creates(
          [&] {
            for (const auto& d : work) p.create_version(d);
          },
          work.size(), model_us);
    };
    auto raw_run = [&] {
      raw_pg raw(url, "bench_prompts_raw");
      time_creates(
          [&] {
            for (const auto& d : work) raw.create(d);
          },
          work.size(), raw_us);
    };
    if (rep % 2) {
      model_run();
      raw_run();
    } else {
      raw_run();
      model_run();
    }
    // the boolean prints as t/f on both sides
    std::string a = both("bench_prompts_raw"), b = both("bench_prompts_model");
    if (a != b || a.size() < 4) {
      std::printf("MISMATCH in postgres repetition %d: the two sides stored different versions or counters\n", rep);
      same = false;
    }
  }
  admin.exec("DROP SCHEMA IF EXISTS bench_prompts_raw CASCADE; DROP SCHEMA IF EXISTS bench_prompts_model CASCADE");
  report("postgres", work.size(), reps, raw_us, model_us);
  return same;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t versions = 10000, names = 100;
  int reps = 5;
  std::string dir;
  command_line cl("models_prompts_bench", "models_prompts_bench [versions] [--names=N] [--reps=N] [--dir=PATH]");
  cl.parse(argc, argv, versions, reps, [&](std::string_view a) {
    if (auto v = option_value(a, "--names=")) {
      names = cl.positive(*v);
      return true;
    }
    if (auto v = option_value(a, "--dir=")) {
      dir = std::string(*v);
      return true;
    }
    return false;
  });
  return run_in_directory("models_prompts_bench", dir, "models-prompts-bench-", [&](const fs::path& d) {
    const auto work = workload(versions, names);
    bool ok = sqlite_side(work, reps, d);
    const char* url = std::getenv("STOWAGE_TEST_PG_URL");
    if (url && *url)
      ok = postgres_side(work, reps, url) && ok;
    else
      std::printf("postgres  skipped (STOWAGE_TEST_PG_URL is not set; run under scripts/with-pg)\n");
    return ok ? 0 : 1;
  });
}
