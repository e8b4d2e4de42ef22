// The SQLite backend, on the sqlite3 C API.
//
// URLs: "file:path/to.db" (an SQLite URI; query parameters such as ?mode=ro pass through),
// a plain path, or ":memory:". Two parameters of stowage's own, in any "file:" URI (an
// in-memory one too): busy_timeout=<ms> from 0 to 2147483647 (default 5000) and
// synchronous=off|normal|full (default full). Files are opened in WAL mode.
//
// Thread safety: database<sqlite> serializes all use of its one connection. For parallel readers
// open one database per thread on the same file; WAL lets them read while one writes.
// Transactions begin IMMEDIATE: they take the write lock at once (waiting up to busy_timeout),
// so two transactions never deadlock upgrading a read lock.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stowage/backend/concepts.hpp>
#include <stowage/backend/schema_diff.hpp>
#include <stowage/detail/config.hpp>
#include <stowage/query/evaluate.hpp>
#include <stowage/query/like.hpp>
#include <stowage/sql/render.hpp>

namespace stowage {
namespace detail::sqlite_impl {

struct statement_deleter {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, statement_deleter>;

struct connection_deleter {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};

struct dialect {
  static void quote(std::string& out, std::string_view name) { sql::quote_identifier(out, name, '"'); }
  static void placeholder(std::string& out, std::size_t n) {
    out += '?';
    out += std::to_string(n);
  }
  // SQLite puts NULLs first in ascending order and last in descending order, as stowage does
  static constexpr std::string_view asc = " ASC";
  static constexpr std::string_view desc = " DESC";
  static constexpr std::int64_t no_limit = -1;
  // a page's seek as a UNION ALL of index ranges (sql::builder::seek_arms): SQLite serves a
  // row-value inequality with a range on its first column only
  static constexpr bool seek_in_arms = true;
};

std::string_view column_type(column_kind k);

std::optional<column_kind> kind_of_type(std::string_view t);

/// Binds one stored value to parameter i.
struct binder {
  sqlite3_stmt* stmt;
  int i;
  int operator()(const cell& c) const {
    switch (c.t) {
      case cell::type::integer: return sqlite3_bind_int64(stmt, i, c.i);
      case cell::type::real: return sqlite3_bind_double(stmt, i, c.d);
      case cell::type::text:
        return sqlite3_bind_text64(stmt, i, c.p ? c.p : "", c.n, c.stable ? SQLITE_STATIC : SQLITE_TRANSIENT,
                                   SQLITE_UTF8);
      case cell::type::blob:
        // a null pointer would bind NULL, not an empty blob
        return sqlite3_bind_blob64(stmt, i, c.n ? static_cast<const void*>(c.p) : "", c.n,
                                   c.stable ? SQLITE_STATIC : SQLITE_TRANSIENT);
      default: return sqlite3_bind_null(stmt, i);
    }
  }
  int operator()(const value& v) const;
};

/// Column i of the current row as a cell; text and blob bytes stay the statement's until it steps.
cell column_cell(sqlite3_stmt* stmt, int i);
/// The same into `out`, writing only its type and the members that type reads (the read of each
/// row's columns reuses one cell).
void read_cell(sqlite3_stmt* stmt, int i, cell& out);

/// like(pattern, text[, escape]), which SQLite calls for `text LIKE pattern [ESCAPE escape]`.
/// Values are read as bytes, so a NUL inside text or pattern is one byte like any other.
void like_function(sqlite3_context* ctx, int argc, sqlite3_value** argv);

/// stowage's own parameters of a SQLite URL.
struct url_options {
  int busy_timeout = 5000;
  std::string synchronous = "full";
};

/// Reads and checks stowage's parameters from the query of a "file:" URI (other URLs are file
/// names and have none). Parsed from the text as SQLite parses it, not asked of SQLite, because
/// SQLite keeps no parameters for an in-memory database. A parameter given twice is checked
/// each time; the first counts, as with SQLite's own.
url_options read_url_options(std::string_view url, std::string_view path);

}  // namespace detail::sqlite_impl

class sqlite {
 public:
  static constexpr std::string_view name = "sqlite";
  static constexpr bool streams = true;

  explicit sqlite(std::string_view url);

  sqlite(const sqlite&) = delete;
  sqlite& operator=(const sqlite&) = delete;

  ~sqlite();

  /// The prepared statements of one record type's table.
  struct table_state {
    const detail::table_schema* schema;
    detail::sqlite_impl::statement put, insert, update, get, erase, clear;
    bool stale = true;
  };
  using table_handle = table_state*;

  table_handle open_table(const detail::table_schema& s);

  write_result write(table_handle h, const void* record, write_mode mode);

  bool get(table_handle h, const detail::cell& key, void* out);

  bool erase(table_handle h, const detail::cell& key);

  /// A statement lent from the query cache; it goes back when the lease ends.
  class lease {
   public:
    lease(sqlite* owner, std::string sql, std::vector<value> params, detail::sqlite_impl::statement st);
    lease(lease&&) noexcept = default;
    lease& operator=(lease&&) noexcept = default;
    ~lease();
    sqlite3_stmt* get() const noexcept;
    const std::vector<value>& params() const noexcept;

   private:
    sqlite* owner_;
    std::string sql_;
    std::vector<value> params_;  // bound without copying, so they live as long as the statement
    detail::sqlite_impl::statement st_;
  };

  /// A query being read. Its statement streams, one row a step, until the connection is about
  /// to change something (a write, a transaction's end): then the rows it has not yet yielded are
  /// read into memory first, so a loop sees the records as they were when it began, as on every
  /// backend, and not its own writes (which could make it run forever).
  struct open_query {
    void (*read_rest)(open_query&);
  };

  class cursor {
   public:
    cursor(sqlite* owner, const detail::table_schema* s, lease l, std::vector<std::size_t> columns);
    cursor(cursor&&) noexcept = default;
    cursor& operator=(cursor&&) = delete;
    ~cursor();

    bool next(void* out);

   private:
    struct state : open_query {
      state(sqlite* o, const detail::table_schema* s, lease l, std::vector<std::size_t> c)
          : open_query{&read_rest_of}, owner(o), schema(s), statement(std::move(l)), columns(std::move(c)) {}
      // the values a row has: every column, or a projection's
      std::size_t width() const { return columns.empty() ? schema->columns.size() : columns.size(); }
      bool step(void* out);
      static void read_rest_of(open_query& q);

      sqlite* owner;
      const detail::table_schema* schema;
      std::optional<lease> statement;
      bool done = false;
      bool buffered = false;    // read to the end into rest; no longer in owner->open_queries_
      std::vector<value> rest;  // the rows read ahead, one column after another
      std::size_t pos = 0;
      std::exception_ptr error;          // what ended the read ahead, thrown after its rows
      std::vector<std::size_t> columns;  // a projection's fields (query_spec::columns)
    };
    std::unique_ptr<state> state_;
  };

  cursor select(table_handle h, const detail::query_spec& q);

  std::uint64_t count(table_handle h, const detail::query_spec& q);

  /// DELETE ... WHERE <the filter>: one statement, so all or none.
  std::uint64_t erase_where(table_handle h, const detail::query_spec& q);
  /// UPDATE ... SET ... WHERE <the filter>: one statement, so all or none (SQLite undoes a
  /// statement that a constraint refuses, and the transaction around it goes on).
  std::uint64_t update_where(table_handle h, const detail::query_spec& q,
                             std::span<const detail::field_change> changes);

  /// SELECT f, COUNT(*) ... GROUP BY f ORDER BY f: each value of the field with its count.
  std::vector<detail::group_count> count_groups(table_handle h, const detail::query_spec& q, std::size_t field);

  void clear(table_handle h);

  void begin(unsigned depth);
  void commit(unsigned depth);
  void rollback(unsigned depth);

  /// The raw connection, for what stowage does not wrap.
  sqlite3* native_handle() const noexcept { return db_.get(); }

 private:
  struct reset_on_exit {
    sqlite3_stmt* st;
    ~reset_on_exit();
  };

  /// Reads what the open queries have not yet yielded, before the connection changes anything.
  void settle_queries();

  [[noreturn]] void fail(int rc, std::string_view what, const detail::table_schema* s, const detail::key_ref& key);
  [[noreturn]] static void fail(int rc, int ext, std::string msg, std::string_view what, const detail::table_schema* s,
                                const detail::key_ref& key);

  void exec(const char* sql, const detail::table_schema* s = nullptr);

  detail::sqlite_impl::statement prepare(const std::string& sql, const detail::table_schema* s);

  lease prepared(const table_state& t, sql::builder<detail::sqlite_impl::dialect>& b);

  /// Runs a statement that changes rows and returns how many it changed.
  std::uint64_t change_rows(const table_state& t, sql::builder<detail::sqlite_impl::dialect>& b, std::string_view what);

  void give_back(std::string sql, detail::sqlite_impl::statement st);

  bool key_taken(table_state& t, const detail::cell& key);

  void bind_key(const table_state& t, sqlite3_stmt* st, const detail::cell& key);

  /// Decodes the current row into the record at `out`, reusing the buffers of its fields.
  void decode_into(void* out, sqlite3_stmt* st, const detail::table_schema& s, detail::key_ref key);

  /// The error fail() would throw, as an exception_ptr to throw later.
  std::exception_ptr failure(int rc, std::string_view what, const detail::table_schema* s);

  table_state& live(table_handle h);

  /// Creates or migrates the table, then prepares its statements.
  void refresh(table_state& t);

  std::vector<detail::stored_column> stored_columns(const detail::table_schema& s);

  void create_or_migrate(const detail::table_schema& s);

  void prepare_statements(table_state& t);

  static constexpr std::size_t max_cached_queries = 64;

  std::unique_ptr<sqlite3, detail::sqlite_impl::connection_deleter> db_;
  std::deque<std::unique_ptr<table_state>> tables_;
  std::unordered_map<std::string, std::vector<detail::sqlite_impl::statement>> idle_;
  std::vector<open_query*> open_queries_;
  std::string scratch_;  // bytes a field's conversion makes while a record is bound
  unsigned depth_ = 0;
  bool schema_changed_in_transaction_ = false;
};

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/backend/impl/sqlite.ipp>
#endif
