// The conversations model against the raw C APIs doing the same work: appending messages.
//
//   models_conversations_bench [messages] [--conversations=N] [--reps=N] [--dir=PATH] [--pg=URL]
//
// messages defaults to 100000, conversations to 100 (the messages go to them in turn), reps to 3.
// Each repetition appends every message, one transaction each, on fresh stores, raw side and
// model alternating which goes first, and prints the medians and their ratio. SQLite runs in
// <dir> (default: a fresh temp directory) with WAL and synchronous=NORMAL on both sides;
// PostgreSQL runs too when --pg or STOWAGE_TEST_PG_URL names a server (each side in a schema of
// its own, dropped afterwards; the raw side uses binary parameters for integers and times, as
// stowage does). Both wall-clock and process CPU times are printed: the wall clock of a commit
// is mostly I/O, the same on both sides.
//
// An append, on both sides, is the model's contract: in one transaction (SQLite BEGIN IMMEDIATE,
// PostgreSQL SERIALIZABLE, run again when it loses a race), set the conversation's updated_at (which also says it
// exists), read the conversation's highest turn, insert the message with turn + 1 under the unique index on
// (conversation_id, turn), commit. Both sides use the same tables and indexes (the raw side
// creates them with the DDL the model's backend creates, checked on the first run), the same
// id generator (UUID v7 text) and the same clock. After each run both sides' messages are
// checked: every conversation numbered 1..n, and the same count.
#include <libpq-fe.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <stowage/models/conversations.hpp>
#include <stowage/postgres.hpp>
#include <stowage/sqlite.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
using stowage::models::conversation;
using stowage::models::conversation_message;
using clock_type = std::chrono::steady_clock;

struct options {
  std::size_t messages = 100000;
  std::size_t conversations = 100;
  int reps = 3;
  std::string dir;
  std::string pg;  // --pg=URL or STOWAGE_TEST_PG_URL: PostgreSQL runs too
};

std::string content_of(std::size_t i) {
  return "message " + std::to_string(i) + ": a question about the trip, the hotel and the trains, as a user writes";
}

// the time the model stamps a row with, read the same way: the system clock in microseconds
std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------------------------
// SQLite, raw.

// what stowage's SQLite backend creates for the three records (compared with sqlite_master)
const char* const sqlite_ddl[] = {
    R"(CREATE TABLE "conversation_users" ("id" TEXT NOT NULL PRIMARY KEY, "external_id" TEXT, "anonymous_id" TEXT, )"
    R"("email" TEXT, "name" TEXT, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL) WITHOUT ROWID)",
    R"(CREATE TABLE "conversations" ("id" TEXT NOT NULL PRIMARY KEY, "user_id" TEXT NOT NULL, "title" TEXT NOT NULL, )"
    R"("agent" TEXT NOT NULL, "primer" TEXT, "context" JSON_TEXT NOT NULL, "created_at" TIMESTAMP NOT NULL, )"
    R"("updated_at" TIMESTAMP NOT NULL) WITHOUT ROWID)",
    R"(CREATE TABLE "conversation_messages" ("id" TEXT NOT NULL PRIMARY KEY, "conversation_id" TEXT NOT NULL, )"
    R"("user_id" TEXT, "turn" INTEGER NOT NULL, "role" TEXT NOT NULL, "content" TEXT NOT NULL, )"
    R"("pending" BOOLEAN NOT NULL, "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL) WITHOUT ROWID)",
};

class raw_sqlite {
 public:
  explicit raw_sqlite(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
  }
  ~raw_sqlite() {
    for (auto* s : {touch_, last_turn_, insert_}) sqlite3_finalize(s);
    sqlite3_close(db_);
  }
  raw_sqlite(const raw_sqlite&) = delete;
  raw_sqlite& operator=(const raw_sqlite&) = delete;

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(std::string(sql) + ": " + m);
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    return s;
  }

  void create() {
    for (const char* ddl : sqlite_ddl) exec(ddl);
    exec(
        R"(CREATE UNIQUE INDEX IF NOT EXISTS "conversation_users_uq_external_id" ON "conversation_users" ("external_id"))");
    exec(
        R"(CREATE UNIQUE INDEX IF NOT EXISTS "conversation_users_uq_anonymous_id" ON "conversation_users" ("anonymous_id"))");
    exec(R"(CREATE UNIQUE INDEX IF NOT EXISTS "conversation_users_uq_email" ON "conversation_users" ("email"))");
    exec(
        R"(CREATE INDEX IF NOT EXISTS "conversations_ix_user_id_updated_at" ON "conversations" ("user_id", "updated_at"))");
    exec(R"(CREATE UNIQUE INDEX IF NOT EXISTS "conversation_messages_uq_conversation_id_turn" ON )"
         R"("conversation_messages" ("conversation_id", "turn"))");
    exec(R"(CREATE INDEX IF NOT EXISTS "conversation_messages_ix_user_id" ON "conversation_messages" ("user_id"))");
    touch_ = prepare(R"(UPDATE "conversations" SET "updated_at" = ?1 WHERE "id" = ?2)");
    last_turn_ = prepare(
        R"(SELECT "turn" FROM "conversation_messages" WHERE "conversation_id" = ?1 ORDER BY "turn" DESC LIMIT 1)");
    insert_ = prepare(
        R"(INSERT INTO "conversation_messages" ("id", "conversation_id", "user_id", "turn", "role", "content", )"
        R"("pending", "created_at", "updated_at") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9))");
  }

  /// One conversation of one user, as the setup of both sides makes them (not timed).
  std::string add_conversation(const std::string& user) {
    std::string id = stowage::uuid_text(stowage::new_uuid());
    auto t = std::to_string(now_micros());
    exec(("INSERT INTO conversations VALUES ('" + id + "', '" + user + "', 't', 'agent', NULL, '{}', " + t + ", " + t +
          ")")
             .c_str());
    return id;
  }

  void append(const std::string& conversation_id, const std::string& role, const std::string& content) {
    exec("BEGIN IMMEDIATE");
    auto t = now_micros();
    sqlite3_bind_int64(touch_, 1, t);
    sqlite3_bind_text(touch_, 2, conversation_id.data(), static_cast<int>(conversation_id.size()), SQLITE_STATIC);
    step_done(touch_);
    if (sqlite3_changes(db_) == 0) {
      exec("ROLLBACK");
      throw std::runtime_error("no conversation " + conversation_id);
    }
    std::int64_t turn = 1;
    sqlite3_bind_text(last_turn_, 1, conversation_id.data(), static_cast<int>(conversation_id.size()), SQLITE_STATIC);
    if (sqlite3_step(last_turn_) == SQLITE_ROW) turn = sqlite3_column_int64(last_turn_, 0) + 1;
    sqlite3_reset(last_turn_);
    std::string id = stowage::uuid_text(stowage::new_uuid());
    sqlite3_bind_text(insert_, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert_, 2, conversation_id.data(), static_cast<int>(conversation_id.size()), SQLITE_STATIC);
    sqlite3_bind_null(insert_, 3);
    sqlite3_bind_int64(insert_, 4, turn);
    sqlite3_bind_text(insert_, 5, role.data(), static_cast<int>(role.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert_, 6, content.data(), static_cast<int>(content.size()), SQLITE_STATIC);
    sqlite3_bind_int(insert_, 7, 0);
    sqlite3_bind_int64(insert_, 8, t);
    sqlite3_bind_int64(insert_, 9, t);
    step_done(insert_);
    exec("COMMIT");
  }

  sqlite3* handle() const { return db_; }

 private:
  void step_done(sqlite3_stmt* s) {
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
      std::string m = sqlite3_errmsg(db_);
      exec("ROLLBACK");
      throw std::runtime_error(m);
    }
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* touch_ = nullptr;
  sqlite3_stmt* last_turn_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

/// The schema of a file: every table's and index's DDL, by name.
std::string stored_schema(const std::string& path) {
  raw_sqlite db(path);
  std::string out;
  sqlite3_stmt* s = db.prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name");
  while (sqlite3_step(s) == SQLITE_ROW)
    out += std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) + ": " +
           reinterpret_cast<const char*>(sqlite3_column_text(s, 1)) + "\n";
  sqlite3_finalize(s);
  return out;
}

/// Checks that every conversation's turns are 1..n and returns the number of messages.
std::size_t checked_messages(sqlite3* db) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db,
                     R"(SELECT COUNT(*), SUM(CASE WHEN "turn" = "n" THEN 0 ELSE 1 END) FROM (SELECT "turn", )"
                     R"(ROW_NUMBER() OVER (PARTITION BY "conversation_id" ORDER BY "turn") AS "n" FROM )"
                     R"("conversation_messages"))",
                     -1, &s, nullptr);
  sqlite3_step(s);
  auto n = static_cast<std::size_t>(sqlite3_column_int64(s, 0));
  auto wrong = sqlite3_column_int64(s, 1);
  sqlite3_finalize(s);
  if (wrong != 0) throw std::runtime_error("turns that are not 1..n: " + std::to_string(wrong));
  return n;
}

// ---------------------------------------------------------------------------------------------
// Timing.

/// Wall-clock and process CPU seconds of one timed run.
struct timing {
  double wall = 0, cpu = 0;
};
using timings = std::vector<timing>;

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class F>
timing seconds(F&& f) {
  auto start = clock_type::now();
  double cpu = cpu_now();
  f();
  return {std::chrono::duration<double>(clock_type::now() - start).count(), cpu_now() - cpu};
}

double median(const timings& v, double timing::*which) {
  std::vector<double> x;
  for (const timing& t : v) x.push_back(t.*which);
  std::sort(x.begin(), x.end());
  return x[x.size() / 2];
}

void report(const char* backend, const options& o, const timings& raw, const timings& model) {
  double per = 1e6 / static_cast<double>(o.messages);
  std::printf("%s, appending %zu messages to %zu conversations, one transaction each (medians of %d):\n", backend,
              o.messages, o.conversations, o.reps);
  for (auto [name, which] : {std::pair{"wall", &timing::wall}, std::pair{"cpu ", &timing::cpu}}) {
    double r = median(raw, which), m = median(model, which);
    std::printf("  %s  raw %7.2f s (%6.1f us/message)  model %7.2f s (%6.1f us/message)  ratio %.2f\n", name, r,
                r * per, m, m * per, m / r);
  }
  std::fflush(stdout);
}

/// The model's side: the same setup, then the timed appends; returns their seconds.
template <class Backend>
timing model_append(stowage::database<Backend>& db, const options& o) {
  stowage::models::conversations chat{db};
  auto user = chat.create_user({.email = "bench@x.org"});
  std::vector<stowage::uuid> convs;
  for (std::size_t c = 0; c < o.conversations; ++c)
    convs.push_back(chat.create_conversation({.user_id = user.id, .agent = "agent", .title = "t"}).id);
  return seconds([&] {
    for (std::size_t i = 0; i < o.messages; ++i)
      chat.append(convs[i % convs.size()], {.role = i % 2 ? "ai" : "human", .content = content_of(i)});
  });
}

void run_sqlite(const options& o, const fs::path& dir) {
  timings raw, model;
  for (int rep = 0; rep < o.reps; ++rep) {
    auto raw_path = (dir / ("raw-" + std::to_string(rep) + ".db")).string();
    auto model_path = (dir / ("model-" + std::to_string(rep) + ".db")).string();
    auto raw_side = [&] {
      raw_sqlite db(raw_path);
      db.create();
      std::string user = stowage::uuid_text(stowage::new_uuid());
      db.exec(
          ("INSERT INTO conversation_users VALUES ('" + user + "', NULL, NULL, 'bench@x.org', NULL, 0, 0)").c_str());
      std::vector<std::string> convs;
      for (std::size_t c = 0; c < o.conversations; ++c) convs.push_back(db.add_conversation(user));
      raw.push_back(seconds([&] {
        for (std::size_t i = 0; i < o.messages; ++i)
          db.append(convs[i % convs.size()], i % 2 ? "ai" : "human", content_of(i));
      }));
      if (checked_messages(db.handle()) != o.messages) throw std::runtime_error("raw: messages lost");
    };
    auto model_side = [&] {
      {
        stowage::database<stowage::sqlite> db{"file:" + model_path + "?synchronous=normal"};
        model.push_back(model_append(db, o));
      }
      raw_sqlite check(model_path);
      if (checked_messages(check.handle()) != o.messages) throw std::runtime_error("model: messages lost");
      if (rep == 0 && stored_schema(model_path) != stored_schema(raw_path))
        std::fprintf(stderr, "warning: the raw side's schema differs from stowage's:\n%s\n%s",
                     stored_schema(raw_path).c_str(), stored_schema(model_path).c_str());
    };
    if (rep % 2 == 0) {
      raw_side();
      model_side();
    } else {
      model_side();
      raw_side();
    }
    std::printf("  sqlite rep %d: raw %.3f s (cpu %.3f), model %.3f s (cpu %.3f)\n", rep + 1, raw.back().wall,
                raw.back().cpu, model.back().wall, model.back().cpu);
    std::fflush(stdout);
  }
  report("sqlite", o, raw, model);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL, raw.

// what stowage's PostgreSQL backend creates for the three records
const char* const pg_ddl[] = {
    R"(CREATE TABLE "conversation_users" ("id" text COLLATE "C" NOT NULL PRIMARY KEY, "external_id" text COLLATE "C", )"
    R"("anonymous_id" text COLLATE "C", "email" text COLLATE "C", "name" text COLLATE "C", "created_at" timestamptz )"
    R"(NOT NULL, "updated_at" timestamptz NOT NULL))",
    R"(CREATE TABLE "conversations" ("id" text COLLATE "C" NOT NULL PRIMARY KEY, "user_id" text COLLATE "C" NOT NULL, )"
    R"("title" text COLLATE "C" NOT NULL, "agent" text COLLATE "C" NOT NULL, "primer" text COLLATE "C", "context" )"
    R"(jsonb NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL))",
    R"(CREATE TABLE "conversation_messages" ("id" text COLLATE "C" NOT NULL PRIMARY KEY, "conversation_id" text )"
    R"(COLLATE "C" NOT NULL, "user_id" text COLLATE "C", "turn" bigint NOT NULL, "role" text COLLATE "C" NOT NULL, )"
    R"("content" text COLLATE "C" NOT NULL, "pending" boolean NOT NULL, "created_at" timestamptz NOT NULL, )"
    R"("updated_at" timestamptz NOT NULL))",
    R"(CREATE UNIQUE INDEX "conversation_users_uq_external_id" ON "conversation_users" ("external_id"))",
    R"(CREATE UNIQUE INDEX "conversation_users_uq_anonymous_id" ON "conversation_users" ("anonymous_id"))",
    R"(CREATE UNIQUE INDEX "conversation_users_uq_email" ON "conversation_users" ("email"))",
    R"(CREATE INDEX "conversations_ix_user_id_updated_at" ON "conversations" ("user_id", "updated_at"))",
    (R"(CREATE UNIQUE INDEX "conversation_messages_uq_conversation_id_turn" ON "conversation_messages" )"
     R"(("conversation_id", "turn"))"),
    R"(CREATE INDEX "conversation_messages_ix_user_id" ON "conversation_messages" ("user_id"))",
};

/// A PostgreSQL timestamptz or bigint in binary form: big-endian.
std::string be64(std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  if constexpr (std::endian::native == std::endian::little) u = __builtin_bswap64(u);
  std::string out(8, '\0');
  std::memcpy(out.data(), &u, 8);
  return out;
}
// microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's epoch
constexpr std::int64_t pg_epoch_us = 946684800LL * 1000000;

class raw_pg {
 public:
  raw_pg(const std::string& url, const std::string& schema) : c_(PQconnectdb(url.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(c_));
    PQsetNoticeProcessor(
        c_, [](void*, const char*) {}, nullptr);
    exec("SET search_path TO \"" + schema + "\"");
  }
  ~raw_pg() { PQfinish(c_); }
  raw_pg(const raw_pg&) = delete;
  raw_pg& operator=(const raw_pg&) = delete;

  /// Runs sql; the SQLSTATE of a failure, or "" on success.
  std::string try_exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    std::string state = ok(r) ? "" : error_state(r);
    PQclear(r);
    return state;
  }
  void exec(const std::string& sql) {
    if (auto state = try_exec(sql); !state.empty())
      throw std::runtime_error(sql + ": " + state + " " + PQerrorMessage(c_));
  }
  std::string text(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      PQclear(r);
      throw std::runtime_error(sql + ": " + PQerrorMessage(c_));
    }
    std::string v = PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0);
    PQclear(r);
    return v;
  }
  std::int64_t scalar(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      PQclear(r);
      throw std::runtime_error(sql + ": " + PQerrorMessage(c_));
    }
    std::int64_t v = PQgetisnull(r, 0, 0) ? 0 : std::stoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
  }

  void create() {
    for (const char* ddl : pg_ddl) exec(ddl);
    prepare("touch", R"(UPDATE "conversations" SET "updated_at" = $1 WHERE "id" = $2)");
    prepare("last_turn",
            R"(SELECT "turn" FROM "conversation_messages" WHERE "conversation_id" = $1 ORDER BY "turn" DESC LIMIT 1)");
    prepare("insert",
            R"(INSERT INTO "conversation_messages" ("id", "conversation_id", "user_id", "turn", "role", "content", )"
            R"("pending", "created_at", "updated_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))");
  }

  /// One append; run again when the transaction loses a race (40001, 40P01, or 23505 on the
  /// turn), as the model's transact does.
  void append(const std::string& conversation_id, const std::string& role, const std::string& content) {
    for (;;) {
      std::string state = try_append(conversation_id, role, content);
      if (state.empty()) return;
      try_exec("ROLLBACK");
      if (state != "40001" && state != "40P01" && state != "23505")
        throw std::runtime_error("append: " + state + " " + PQerrorMessage(c_));
    }
  }

 private:
  static bool ok(PGresult* r) {
    auto s = PQresultStatus(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  }
  static std::string error_state(PGresult* r) {
    const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    return s ? s : "?";
  }
  void prepare(const char* name, const char* sql) {
    PGresult* r = PQprepare(c_, name, sql, 0, nullptr);
    bool good = ok(r);
    PQclear(r);
    if (!good) throw std::runtime_error(std::string(sql) + ": " + PQerrorMessage(c_));
  }

  std::string try_append(const std::string& conversation_id, const std::string& role, const std::string& content) {
    if (auto state = try_exec("BEGIN ISOLATION LEVEL SERIALIZABLE"); !state.empty()) return state;
    std::string t = be64(now_micros() - pg_epoch_us);
    {
      const char* v[] = {t.data(), conversation_id.c_str()};
      int len[] = {8, static_cast<int>(conversation_id.size())};
      int fmt[] = {1, 0};
      PGresult* r = PQexecPrepared(c_, "touch", 2, v, len, fmt, 0);
      if (!ok(r)) {
        auto state = error_state(r);
        PQclear(r);
        return state;
      }
      bool found = std::string_view(PQcmdTuples(r)) == "1";
      PQclear(r);
      if (!found) {
        try_exec("ROLLBACK");
        throw std::runtime_error("no conversation " + conversation_id);
      }
    }
    std::int64_t turn = 1;
    {
      const char* v[] = {conversation_id.c_str()};
      PGresult* r = PQexecPrepared(c_, "last_turn", 1, v, nullptr, nullptr, 1);
      if (!ok(r)) {
        auto state = error_state(r);
        PQclear(r);
        return state;
      }
      if (PQntuples(r) == 1) {
        std::uint64_t u = 0;
        std::memcpy(&u, PQgetvalue(r, 0, 0), 8);
        if constexpr (std::endian::native == std::endian::little) u = __builtin_bswap64(u);
        turn = static_cast<std::int64_t>(u) + 1;
      }
      PQclear(r);
    }
    {
      std::string id = stowage::uuid_text(stowage::new_uuid());
      std::string turn_be = be64(turn);
      char pending = 0;
      const char* v[] = {id.c_str(),   conversation_id.c_str(), nullptr,  turn_be.data(),
                         role.c_str(), content.c_str(),         &pending, t.data(),
                         t.data()};
      int len[] = {0, 0, 0, 8, 0, 0, 1, 8, 8};
      int fmt[] = {0, 0, 0, 1, 0, 0, 1, 1, 1};
      PGresult* r = PQexecPrepared(c_, "insert", 9, v, len, fmt, 0);
      if (!ok(r)) {
        auto state = error_state(r);
        PQclear(r);
        return state;
      }
      PQclear(r);
    }
    return try_exec("COMMIT");
  }

  PGconn* c_;
};

/// A schema's columns (name, type, nullability, collation) and index definitions, as text.
std::string shape_of(raw_pg& db, const std::string& schema) {
  return db.text(
      "SELECT string_agg(x, E'\\n' ORDER BY x) FROM (SELECT concat_ws(' ', table_name, column_name, data_type, "
      "is_nullable, collation_name) AS x FROM information_schema.columns WHERE table_schema = '" +
      schema + "' UNION ALL SELECT replace(indexdef, '" + schema + ".', '') FROM pg_indexes WHERE schemaname = '" +
      schema + "') AS s");
}

/// Checks that every conversation's turns are 1..n and returns the number of messages.
std::size_t checked_messages(raw_pg& db) {
  auto wrong = db.scalar(
      R"(SELECT COUNT(*) FROM (SELECT "turn", ROW_NUMBER() OVER (PARTITION BY "conversation_id" ORDER BY "turn") )"
      R"(AS "n" FROM "conversation_messages") AS x WHERE "turn" <> "n")");
  if (wrong != 0) throw std::runtime_error("turns that are not 1..n: " + std::to_string(wrong));
  return static_cast<std::size_t>(db.scalar(R"(SELECT COUNT(*) FROM "conversation_messages")"));
}

void run_postgres(const options& o) {
  timings raw, model;
  const std::string tag = std::to_string(::getpid());
  for (int rep = 0; rep < o.reps; ++rep) {
    const std::string raw_schema = "bench_convs_raw_" + tag, model_schema = "bench_convs_model_" + tag;
    raw_pg admin(o.pg, "public");
    for (const auto& sc : {raw_schema, model_schema})
      admin.exec("DROP SCHEMA IF EXISTS \"" + sc + "\" CASCADE; CREATE SCHEMA \"" + sc + "\"");
    auto raw_side = [&] {
      raw_pg db(o.pg, raw_schema);
      db.create();
      std::string user = stowage::uuid_text(stowage::new_uuid());
      db.exec(R"(INSERT INTO "conversation_users" VALUES (')" + user +
              "', NULL, NULL, 'bench@x.org', NULL, now(), now())");
      std::vector<std::string> convs;
      for (std::size_t c = 0; c < o.conversations; ++c) {
        convs.push_back(stowage::uuid_text(stowage::new_uuid()));
        db.exec(R"(INSERT INTO "conversations" VALUES (')" + convs.back() + "', '" + user +
                "', 't', 'agent', NULL, '{}', now(), now())");
      }
      raw.push_back(seconds([&] {
        for (std::size_t i = 0; i < o.messages; ++i)
          db.append(convs[i % convs.size()], i % 2 ? "ai" : "human", content_of(i));
      }));
      if (checked_messages(db) != o.messages) throw std::runtime_error("raw: messages lost");
    };
    auto model_side = [&] {
      {
        stowage::database<stowage::postgres> db{o.pg + (o.pg.find('?') == std::string::npos ? "?" : "&") +
                                                "schema=" + model_schema};
        model.push_back(model_append(db, o));
      }
      raw_pg check(o.pg, model_schema);
      if (checked_messages(check) != o.messages) throw std::runtime_error("model: messages lost");
      if (rep == 0 && shape_of(admin, raw_schema) != shape_of(admin, model_schema))
        std::fprintf(stderr, "warning: the raw side's tables or indexes differ from stowage's:\n%s\n%s\n",
                     shape_of(admin, raw_schema).c_str(), shape_of(admin, model_schema).c_str());
    };
    if (rep % 2 == 0) {
      raw_side();
      model_side();
    } else {
      model_side();
      raw_side();
    }
    for (const auto& sc : {raw_schema, model_schema}) admin.exec("DROP SCHEMA \"" + sc + "\" CASCADE");
    std::printf("  postgres rep %d: raw %.3f s (cpu %.3f), model %.3f s (cpu %.3f)\n", rep + 1, raw.back().wall,
                raw.back().cpu, model.back().wall, model.back().cpu);
    std::fflush(stdout);
  }
  report("postgres", o, raw, model);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view prefix) { return std::string(a.substr(prefix.size())); };
    if (a.starts_with("--reps="))
      o.reps = std::max(1, std::atoi(value("--reps=").c_str()));
    else if (a.starts_with("--conversations="))
      o.conversations = std::max<std::size_t>(1, std::strtoull(value("--conversations=").c_str(), nullptr, 10));
    else if (a.starts_with("--dir="))
      o.dir = value("--dir=");
    else if (a.starts_with("--pg="))
      o.pg = value("--pg=");
    else if (!a.starts_with("-"))
      o.messages = std::max<std::size_t>(1, std::strtoull(std::string(a).c_str(), nullptr, 10));
    else {
      std::fprintf(stderr,
                   "usage: models_conversations_bench [messages] [--conversations=N] [--reps=N] [--dir=PATH] "
                   "[--pg=URL]\n");
      return 2;
    }
  }
  if (o.pg.empty())
    if (const char* url = std::getenv("STOWAGE_TEST_PG_URL")) o.pg = url;
  try {
    fs::path dir = o.dir.empty()
                       ? fs::temp_directory_path() / ("stowage-convs-bench-" + std::to_string(std::random_device{}()))
                       : fs::path(o.dir);
    fs::remove_all(dir);
    fs::create_directories(dir);
    run_sqlite(o, dir);
    fs::remove_all(dir);
    if (!o.pg.empty()) run_postgres(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "models_conversations_bench: %s\n", e.what());
    return 1;
  }
}
