// The backends the conformance suite runs against. A new backend joins the suite by adding one
// type to conformance_backends. Each says whether it is persistent (reopen() finds the data
// again) and whether text may hold NUL bytes (PostgreSQL's cannot: it refuses them as bad input).
//
// The test cases are templates, so a JSON member is assigned as `x.doc = nlohmann::json{...}`,
// never `x.doc = {...}`: clang before 17, in a template, skips destroying the argument of such an
// assignment when the assignment operator takes its argument by value, as nlohmann::json's does;
// the member's old value then leaks, and the sanitizer build reports it.
#pragma once

#include <stowage/json.hpp>
#include <stowage/json_dir.hpp>
#include <stowage/sqlite.hpp>
#ifdef STOWAGE_TEST_POSTGRES
#include <stowage/postgres.hpp>
#endif

#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>

namespace conformance {

/// A scratch directory removed when the test ends.
class scratch_dir {
 public:
  scratch_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("stowage-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct memory_backend {
  using type = stowage::memory;
  static constexpr bool persistent = false;
  static constexpr const char* label = "memory";
  static constexpr bool nul_in_text = true;
  scratch_dir dir;
  std::string url() const { return "memory:"; }
};

struct sqlite_in_memory {
  using type = stowage::sqlite;
  static constexpr bool persistent = false;
  static constexpr const char* label = "sqlite :memory:";
  static constexpr bool nul_in_text = true;
  scratch_dir dir;
  std::string url() const { return ":memory:"; }
};

struct sqlite_file {
  using type = stowage::sqlite;
  static constexpr bool persistent = true;
  static constexpr const char* label = "sqlite file";
  static constexpr bool nul_in_text = true;
  scratch_dir dir;
  std::string url() const { return "file:" + (dir.path() / "store.db").string(); }
};

struct json_directory {
  using type = stowage::json_dir;
  static constexpr bool persistent = true;
  static constexpr const char* label = "json_dir";
  static constexpr bool nul_in_text = true;
  scratch_dir dir;
  std::string url() const { return "dir:" + (dir.path() / "store").string(); }
};

#ifdef STOWAGE_TEST_POSTGRES
/// The server scripts/with-pg started (or a developer's own): STOWAGE_TEST_PG_URL.
inline std::string pg_test_url() {
  const char* url = std::getenv("STOWAGE_TEST_PG_URL");
  if (!url || !*url)
    throw std::runtime_error("STOWAGE_TEST_PG_URL is not set: run the tests with ctest, or as scripts/with-pg <test>");
  return url;
}

/// Runs one statement on the test server with plain libpq (for setting up and tidying up).
inline void pg_exec(const std::string& sql) {
  PGconn* c = PQconnectdb(pg_test_url().c_str());
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  PGresult* r = PQexec(c, sql.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string err = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error(sql + ": " + err);
}

/// A PostgreSQL store in a schema of its own, dropped when the test ends.
struct postgres_server {
  using type = stowage::postgres;
  static constexpr bool persistent = true;
  static constexpr const char* label = "postgres";
  static constexpr bool nul_in_text = false;
  std::string schema = [] {
    static std::atomic<int> counter{0};
    return "test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  }();
  postgres_server() { pg_exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); }
  ~postgres_server() {
    try {
      pg_exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (...) {  // the server may be gone (a fault test); the cluster is thrown away anyway
    }
  }
  postgres_server(const postgres_server&) = delete;
  postgres_server& operator=(const postgres_server&) = delete;
  std::string url() const {
    std::string u = pg_test_url();
    return u + (u.find('?') == std::string::npos ? "?" : "&") + "schema=" + schema;
  }
};

using conformance_backends = std::tuple<memory_backend, sqlite_in_memory, sqlite_file, json_directory, postgres_server>;
#else
using conformance_backends = std::tuple<memory_backend, sqlite_in_memory, sqlite_file, json_directory>;
#endif

/// A fresh, empty store on backend B; for persistent backends, reopen() opens the same store
/// again as a second database object.
template <class B>
struct store {
  B backend;
  std::unique_ptr<stowage::database<typename B::type>> db =
      std::make_unique<stowage::database<typename B::type>>(backend.url());
  stowage::database<typename B::type>& operator*() { return *db; }
  stowage::database<typename B::type>* operator->() { return db.get(); }
  std::unique_ptr<stowage::database<typename B::type>> another() const {
    return std::make_unique<stowage::database<typename B::type>>(backend.url());
  }
  void reopen() {
    db.reset();
    db = another();
  }
};

}  // namespace conformance
