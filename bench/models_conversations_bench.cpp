// The conversations model against the raw C APIs doing the same work: appending messages.
//
//   models_conversations_bench [messages] [--conversations=N] [--reps=N] [--dir=PATH] [--pg=URL]
//
// messages defaults to 100000, conversations to 100 (the messages go to them in turn), reps to 3.
// Each repetition appends every message, one transaction each, on fresh stores, raw side and
// model alternating which goes first, and prints the medians and their ratio. SQLite runs in
// <dir> (default: a fresh temp directory) with WAL and synchronous=NORMAL on both sides;
// PostgreSQL runs too when --pg or STOWAGE_TEST_PG_URL names a server (each side in a schema of
// its own, dropped afterwards).
//
// An append, on both sides, is the model's contract: in one transaction (SQLite BEGIN IMMEDIATE,
// PostgreSQL SERIALIZABLE), set the conversation's updated_at (which also says it exists), read
// the conversation's highest turn, insert the message with turn + 1 under the unique index on
// (conversation_id, turn), commit. Both sides use the same tables and indexes (the raw side
// creates them with the DDL the model's backend creates, checked at startup on SQLite), the same
// id generator (UUID v7 text) and the same clock. After each run both sides' messages are
// checked: every conversation numbered 1..n, and the same count.
#include <sqlite3.h>
#ifdef STOWAGE_BENCH_POSTGRES
#include <libpq-fe.h>
#include <stowage/postgres.hpp>
#endif

#include <stowage/models/conversations.hpp>
#include <stowage/sqlite.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
  std::string pg;
};

std::string content_of(std::size_t i) {
  return "message " + std::to_string(i) + ": a question about the trip, the hotel and the trains, as a user writes";
}

std::int64_t micros(stowage::timestamp t) { return t.time_since_epoch().count(); }

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
        R"(CREATE UNIQUE INDEX IF NOT EXISTS "conversation_users_ux_external_id" ON "conversation_users" ("external_id"))");
    exec(
        R"(CREATE UNIQUE INDEX IF NOT EXISTS "conversation_users_ux_anonymous_id" ON "conversation_users" ("anonymous_id"))");
    exec(R"(CREATE UNIQUE INDEX IF NOT EXISTS "conversation_users_ux_email" ON "conversation_users" ("email"))");
    exec(
        R"(CREATE INDEX IF NOT EXISTS "conversations_ix_user_id_updated_at" ON "conversations" ("user_id", "updated_at"))");
    exec(R"(CREATE UNIQUE INDEX IF NOT EXISTS "conversation_messages_ux_conversation_id_turn" ON )"
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
    auto t = std::to_string(micros(stowage::models::detail::now()));
    exec(("INSERT INTO conversations VALUES ('" + id + "', '" + user + "', 't', 'agent', NULL, '{}', " + t + ", " + t +
          ")")
             .c_str());
    return id;
  }

  void append(const std::string& conversation_id, const std::string& role, const std::string& content) {
    exec("BEGIN IMMEDIATE");
    auto t = micros(stowage::models::detail::now());
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

/// The DDL stowage created in a file, table by table, for comparison with sqlite_ddl.
std::vector<std::string> stored_ddl(const std::string& path) {
  raw_sqlite db(path);
  std::vector<std::string> out;
  for (const char* table : {"conversation_users", "conversations", "conversation_messages"}) {
    sqlite3_stmt* s = db.prepare(
        ("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '" + std::string(table) + "'").c_str());
    if (sqlite3_step(s) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
  }
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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double seconds(F&& f) {
  auto start = clock_type::now();
  f();
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

void report(const char* backend, const options& o, const std::vector<double>& raw, const std::vector<double>& model) {
  double r = median(raw), m = median(model);
  double per = 1e6 / static_cast<double>(o.messages);
  std::printf(
      "%-10s appending %zu messages to %zu conversations: raw %.2f s (%.1f us/message), model %.2f s "
      "(%.1f us/message), ratio %.2f (medians of %d)\n",
      backend, o.messages, o.conversations, r, r * per, m, m * per, m / r, o.reps);
}

/// The model's side: the same setup, then the timed appends; returns their seconds.
template <class Backend>
double model_append(stowage::database<Backend>& db, const options& o) {
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
  std::vector<double> raw, model;
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
      if (rep == 0) {
        auto ddl = stored_ddl(model_path);
        for (std::size_t i = 0; i < 3; ++i)
          if (i >= ddl.size() || ddl[i] != sqlite_ddl[i])
            std::fprintf(stderr, "warning: the raw side's DDL differs from stowage's:\n  %s\n  %s\n", sqlite_ddl[i],
                         i < ddl.size() ? ddl[i].c_str() : "(none)");
      }
    };
    if (rep % 2 == 0) {
      raw_side();
      model_side();
    } else {
      model_side();
      raw_side();
    }
    std::printf("  sqlite rep %d: raw %.3f s, model %.3f s\n", rep + 1, raw.back(), model.back());
    std::fflush(stdout);
  }
  report("sqlite", o, raw, model);
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
#ifdef STOWAGE_BENCH_POSTGRES
    if (!o.pg.empty()) run_postgres(o);
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "models_conversations_bench: %s\n", e.what());
    return 1;
  }
}
