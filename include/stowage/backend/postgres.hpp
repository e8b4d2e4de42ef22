// The PostgreSQL backend, on libpq.
//
// URLs: postgresql://user:password@host:port/dbname?param=value&... (also postgres://). A unix
// socket directory is given as the host parameter: postgresql://user@/db?host=/run/postgresql.
// libpq's own parameters (sslmode, connect_timeout, application_name, ...) pass through; stowage
// reads four of its own:
//   pool_size=N          connections at most (default 8)
//   pool_timeout=MS      how long an operation waits for a free connection (default 10000)
//   isolation=LEVEL      read_committed, repeatable_read or serializable (the default): the
//                        level of db.transaction() when none is asked for
//   schema=NAME          the schema the tables live in, created when missing (default: the
//                        server's search_path)
// connect_timeout defaults to 10 seconds.
//
// Thread safety: database<postgres> is concurrent. Each operation borrows a connection from the
// pool and returns it; a transaction keeps one connection for the thread that began it until it
// ends, and that thread's operations run on it. When the server goes away the operation in
// flight fails with unavailable_error; the pool then drops its connections and the next
// operation connects again.
//
// Types: BOOLEAN, SMALLINT/INTEGER/BIGINT, REAL/DOUBLE PRECISION, TEXT (COLLATE "C": byte order,
// as on every backend), BYTEA, TIMESTAMPTZ (microseconds) and JSONB. Values travel in the binary
// format, every one a bound parameter; statements are prepared once per connection. PostgreSQL
// text cannot hold a NUL byte: such a value is refused as bad input naming the field.
#pragma once

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <stowage/backend/concepts.hpp>
#include <stowage/backend/schema_diff.hpp>
#include <stowage/detail/config.hpp>
#include <stowage/sql/render.hpp>

namespace stowage {
namespace detail::pg {

// type OIDs (pg_type.h)
inline constexpr Oid bool_oid = 16, bytea_oid = 17, int8_oid = 20, int2_oid = 21, int4_oid = 23, text_oid = 25,
                     json_oid = 114, float4_oid = 700, float8_oid = 701, varchar_oid = 1043, timestamp_oid = 1114,
                     timestamptz_oid = 1184, jsonb_oid = 3802;

/// Microseconds from 1970-01-01 (stowage's epoch) to 2000-01-01 (PostgreSQL's).
inline constexpr std::int64_t epoch_shift_us = 946'684'800'000'000;

struct dialect {
  static void quote(std::string& out, std::string_view name) { sql::quote_identifier(out, name, '"'); }
  static void placeholder(std::string& out, std::size_t n) {
    out += '$';
    out += std::to_string(n);
  }
  static constexpr bool like_on_bytes = true;  // LIKE on text counts characters; stowage's counts bytes
  // stowage puts NULLs first in ascending order and last in descending order
  static constexpr std::string_view asc = " ASC NULLS FIRST";
  static constexpr std::string_view desc = " DESC NULLS LAST";
  static constexpr std::int64_t no_limit = std::numeric_limits<std::int64_t>::max();
  static constexpr bool utf8_only = true;
  static constexpr bool jsonb = true;  // JSON columns are jsonb: paths go through #> and jsonb_typeof
};
using builder = sql::builder<dialect>;

constexpr std::string_view column_type(column_kind k) {
  switch (k) {
    case column_kind::boolean: return "boolean";
    case column_kind::int16: return "smallint";
    case column_kind::int32: return "integer";
    case column_kind::int64: return "bigint";
    case column_kind::real32: return "real";
    case column_kind::real64: return "double precision";
    case column_kind::text: return "text COLLATE \"C\"";
    case column_kind::blob: return "bytea";
    case column_kind::timestamp: return "timestamptz";
    case column_kind::json: return "jsonb";
  }
  return "bytea";
}

/// The kind of a stored column, from pg_type.typname.
std::optional<column_kind> kind_of_type(std::string_view t);

/// The type a parameter for a column of this kind is sent as. Integers travel as int8 and
/// reals as float8; the server converts on assignment and compares across widths.
constexpr Oid param_type(column_kind k) {
  switch (k) {
    case column_kind::boolean: return bool_oid;
    case column_kind::int16:
    case column_kind::int32:
    case column_kind::int64: return int8_oid;
    case column_kind::real32:
    case column_kind::real64: return float8_oid;
    case column_kind::text: return text_oid;
    case column_kind::blob: return bytea_oid;
    case column_kind::timestamp: return timestamptz_oid;
    case column_kind::json: return jsonb_oid;
  }
  return bytea_oid;
}

std::uint64_t read_be(const char* p, int n);
/// Reads N bytes at p as a big-endian number (compilers make this one load).
template <int N>
std::uint64_t get_be(const char* p) {
  unsigned char b[N];
  std::memcpy(b, p, N);
  std::uint64_t v = 0;
  for (int i = 0; i < N; ++i) v = (v << 8) | b[i];
  return v;
}
/// Writes the N low bytes of v at p, most significant first (compilers make this one store).
template <int N>
void put_be(char* p, std::uint64_t v) {
  unsigned char b[N];
  for (int i = 0; i < N; ++i) b[i] = static_cast<unsigned char>(v >> (8 * (N - 1 - i)));
  std::memcpy(p, b, N);
}

/// A growing byte buffer written through a pointer: COPY rows and parameters are built a few
/// bytes at a time, and a std::string::append for each costs a call and a capacity check apiece.
class byte_buffer {
 public:
  std::size_t size() const { return used_; }
  const char* data() const { return bytes_.data(); }
  void clear() { used_ = 0; }
  /// Room for n more bytes, counted in the size: the caller writes all n of them.
  char* extend(std::size_t n) {
    if (bytes_.size() - used_ < n) [[unlikely]]
      grow(n);
    char* p = bytes_.data() + used_;
    used_ += n;
    return p;
  }
  void append(const char* p, std::size_t n) {
    if (n) std::memcpy(extend(n), p, n);
  }
  /// Room for at least n bytes in all, made at once rather than by doubling.
  void reserve(std::size_t n) {
    if (bytes_.size() < n) bytes_.resize(n);
  }

  /// The free room as two pointers the caller keeps in local variables, for a loop that writes
  /// many small values (COPY rows): through extend() every byte stored, which may alias the
  /// buffer's own members, makes the compiler load them again.
  struct cursor {
    char* at;
    char* end;
  };
  cursor open() {
    char* b = bytes_.data();
    return {b + used_, b + bytes_.size()};
  }
  /// Counts what was written through c in the size; c is not to be used afterwards.
  void close(cursor c) { used_ = static_cast<std::size_t>(c.at - bytes_.data()); }
  /// Room for n more bytes at c, which moves past them: the caller writes all n.
  char* take(cursor& c, std::size_t n) {
    if (static_cast<std::size_t>(c.end - c.at) < n) [[unlikely]]
      c = regrow(c, n);
    char* p = c.at;
    c.at += n;
    return p;
  }

 private:
  [[gnu::noinline]] void grow(std::size_t n) { bytes_.resize(std::max(bytes_.size() * 2, used_ + n + 256)); }
  [[gnu::noinline]] cursor regrow(cursor c, std::size_t n) {
    close(c);
    grow(n);
    return open();
  }

  std::string bytes_;  // its size is the capacity; used_ bytes of it are the content
  std::size_t used_ = 0;
};
void write_be(byte_buffer& out, std::uint64_t v, int n);

/// Whether s is valid UTF-8, as PostgreSQL requires of text (checked here so that a bad string
/// is refused naming its field, before the server aborts a transaction over it).
bool valid_utf8(std::string_view s);

/// How many leading bytes of s are ASCII other than NUL, counted eight at a time: what most
/// text is, settled in a few instructions a word; what follows goes through the full checks.
std::size_t plain_ascii_prefix(std::string_view s);

// PostgreSQL's timestamps: 4713 BC to 294276 AD, in microseconds from 2000-01-01
inline constexpr std::int64_t min_timestamp_us = -211'813'488'000'000'000;
inline constexpr std::int64_t end_timestamp_us = 9'223'371'331'200'000'000;

/// The size of the binary form of an integer (or bool, or time) stored as kind k.
constexpr std::size_t int_size(column_kind k) {
  switch (k) {
    case column_kind::boolean: return 1;
    case column_kind::int16: return 2;
    case column_kind::int32: return 4;
    default: return 8;
  }
}

/// The refusals of what PostgreSQL cannot store, naming the reason; out of line, so that the
/// encoders (put_int, check_text and copy_field, in the implementation file) stay small enough
/// to inline.
[[noreturn]] void refuse_int(column_kind k, std::int64_t v);
[[noreturn]] void refuse_text(bool nul);
[[noreturn]] void refuse_json_nul();
/// Whether JSON text holds the escape \u0000, which jsonb refuses (its strings are text).
bool json_has_nul(std::string_view t);

/// Appends a value's binary form for a column of kind k: what a bound parameter carries.
void append_binary(byte_buffer& out, column_kind k, std::int64_t v);
void append_binary(byte_buffer& out, column_kind k, double v);
void append_text(byte_buffer& out, column_kind k, std::string_view t);
/// Appends a stored value's binary form for a column of kind k (NULL has none).
void append_binary(byte_buffer& out, column_kind k, const cell& c);

/// The kind a parameter travels as: integers as int8 and reals as float8, which the server
/// converts on assignment and compares across widths (see param_type).
constexpr column_kind param_kind(column_kind k) {
  switch (k) {
    case column_kind::int16:
    case column_kind::int32: return column_kind::int64;
    case column_kind::real32: return column_kind::real64;
    default: return k;
  }
}

/// The parameters of one statement, in libpq's binary format.
class params {
 public:
  void clear() {
    scratch_.clear();
    slots_.clear();
  }
  int size() const { return static_cast<int>(slots_.size()); }

  /// Adds one stored value for a column of kind k. Text and bytes that outlive the statement
  /// (a stable cell) are sent from where they are; the rest is copied.
  void add(column_kind k, const cell& c);
  /// Adds a query parameter; it must outlive the statement's execution.
  void add(column_kind k, const value& v);

  /// The arrays libpq takes; valid until the next add or clear.
  const char* const* values();
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  struct slot {
    const char* external;  // the bytes, when they outlive the statement; else an offset in scratch_
    std::size_t offset;
    int length;  // -1 for NULL
  };

  byte_buffer scratch_;
  std::vector<slot> slots_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result = std::unique_ptr<PGresult, result_deleter>;

/// Reads and drops the results still due on a connection.
void drain(PGconn* c);

/// SQL text for a message: long statements (an IN list of thousands) cut short.
std::string clipped(std::string_view sql);

/// The type a column of kind k reads back as (text may also be a varchar column).
constexpr Oid result_type(column_kind k) {
  switch (k) {
    case column_kind::boolean: return bool_oid;
    case column_kind::int16: return int2_oid;
    case column_kind::int32: return int4_oid;
    case column_kind::int64: return int8_oid;
    case column_kind::real32: return float4_oid;
    case column_kind::real64: return float8_oid;
    case column_kind::text: return text_oid;
    case column_kind::blob: return bytea_oid;
    case column_kind::timestamp: return timestamptz_oid;
    case column_kind::json: return jsonb_oid;
  }
  return bytea_oid;
}

/// The first column of a result whose type is not the one the table stores (as open_table
/// read it), or -1. Checked once per statement's result, so that rows are then decoded by the
/// known kinds without asking libpq each field's type.
int mismatched_column(const PGresult* res, const std::vector<column_kind>& stored);

[[noreturn]] void refuse_bytes(const char* expected, std::size_t n, column_kind k);

/// What a URL asks for: libpq's connection string and stowage's own settings.
struct settings {
  std::string conninfo;  // the URL with stowage's parameters taken out
  std::string shown;     // the URL for messages, password hidden
  std::size_t pool_size = 8;
  std::chrono::milliseconds pool_timeout{10000};
  isolation level = isolation::serializable;
  std::string schema;
};

std::string percent_decode(std::string_view s);

settings parse_url(std::string_view url);

/// One server connection and what has been prepared on it.
struct connection {
  PGconn* conn = nullptr;
  std::unordered_set<std::string> prepared;              // statement names
  std::unordered_map<std::string, std::string> queries;  // query text -> statement name
  std::uint64_t epoch = 0;                               // the pool's epoch when it connected
  std::chrono::steady_clock::time_point idle_since;      // when it went back to the pool
  bool broken = false;
  std::uint64_t cursors = 0;
  connection() = default;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();
};

std::string trimmed(const char* m);

/// Whether a failure without an SQLSTATE came from a lost connection. libpq does not always
/// mark the connection bad when the server is gone: when sending a command failed and what it
/// read next was a notice (a server shutting down says goodbye with one), PQgetResult reports
/// "server closed the connection unexpectedly" with the connection still CONNECTION_OK. So the
/// socket is asked: a closed one reads as end of file at once, after what the server sent last.
bool connection_lost(connection& c);

/// A bounded pool of connections. Thread-safe.
class pool {
 public:
  explicit pool(const settings& s) : settings_(s) {}

  std::unique_ptr<connection> acquire();

  void release(std::unique_ptr<connection> c);

  const settings& config() const { return settings_; }

 private:
  static bool alive(connection& c);

  void drop_idle_locked();

  std::unique_ptr<connection> connect(std::uint64_t epoch);

  settings settings_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t open_ = 0;
  std::uint64_t epoch_ = 0;
};

}  // namespace detail::pg

class postgres {
 public:
  static constexpr std::string_view name = "postgres";
  static constexpr bool streams = true;
  static constexpr bool concurrent = true;

  explicit postgres(std::string_view url);

  postgres(const postgres&) = delete;
  postgres& operator=(const postgres&) = delete;

  /// The statements of one record type's table.
  struct table_state {
    const detail::table_schema* schema = nullptr;
    std::uint64_t generation = 0;
    // insert_any and update_same: the unique tables' writes that no unique index can refuse (see write())
    enum kind { put, insert, update, insert_any, update_same, get, erase, clear, kinds };
    std::string names[kinds];
    std::string sql[kinds];
    std::vector<Oid> types[kinds];
    std::vector<column_kind> stored;  // each field's column as the table stores it
    std::string primary_key;          // the name of the table's primary key constraint
    bool guard_writes = false;        // a write can be refused by a unique index (see write())
    bool narrowed = false;            // a number column stored narrower than its field (an older table)
    std::vector<bool> in_unique;      // per field: a column of a unique index
    // the fields in the key or an index, with how many bytes of an index entry a byte of the
    // field's parameter may become (8 for a JSON index's expression; see may_be_too_large)
    std::vector<std::pair<std::size_t, std::size_t>> indexed;
    std::string stage;  // put_many's staging table, and the SQL that uses it
    std::string stage_sql, merge_sql;
  };
  using table_handle = table_state*;

  /// A connection for one operation: the calling thread's transaction's, or one from the pool.
  class lease {
   public:
    lease(detail::pg::pool* p, std::unique_ptr<detail::pg::connection> c)
        : pool_(p), owned_(std::move(c)), c_(owned_.get()) {}
    explicit lease(detail::pg::connection* pinned) : c_(pinned) {}
    lease(lease&& o) noexcept : pool_(o.pool_), owned_(std::move(o.owned_)), c_(std::exchange(o.c_, nullptr)) {}
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (owned_) pool_->release(std::move(owned_));
    }
    detail::pg::connection& operator*() const { return *c_; }
    detail::pg::connection* operator->() const { return c_; }
    bool in_transaction() const { return !owned_; }

   private:
    detail::pg::pool* pool_ = nullptr;
    std::unique_ptr<detail::pg::connection> owned_;
    detail::pg::connection* c_;
  };

  /// Creates or migrates the table in a transaction of its own, on a connection of the pool
  /// (so a table first used inside a transaction exists whatever becomes of the transaction),
  /// then writes its statements, which never change after.
  table_handle open_table(const detail::table_schema& s);

  write_result write(table_handle h, const void* record, write_mode mode);

  bool get(table_handle h, const detail::cell& key, void* out);

  /// Looks up every key in one pipeline: one round trip for the batch. The record of keys[i],
  /// when there is one, is read into out.slot(out.context, i).
  void get_many(table_handle h, std::span<const detail::cell> keys, detail::record_slots out);

  /// Upserts every record in one transaction (a savepoint inside the calling thread's
  /// transaction): all of them, or none. A small batch goes in one pipeline of upserts; a large
  /// one by COPY, straight into the table when its keys are new, else through a staging table.
  void put_many(table_handle h, std::span<const void* const> records);

  bool erase(table_handle h, const detail::cell& key);

  /// Streams a query's rows: outside a transaction in single-row mode on a connection of its
  /// own; inside one through a server-side cursor, fetched in batches, so the transaction's
  /// other statements can run between them. Either way the rows are the statement's snapshot
  /// (PostgreSQL's cursors are insensitive): writes made while it is read do not show.
  class cursor {
   public:
    cursor(postgres* owner, const table_state* t, lease c, std::string cursor_name, std::uint64_t session,
           std::vector<std::size_t> columns)
        : owner_(owner),
          table_(t),
          schema_(t->schema),
          c_(std::move(c)),
          name_(std::move(cursor_name)),
          session_(session),
          columns_(std::move(columns)) {}
    cursor(cursor&& o) noexcept
        : owner_(o.owner_),
          table_(o.table_),
          schema_(o.schema_),
          c_(std::move(o.c_)),
          name_(std::move(o.name_)),
          session_(o.session_),
          batch_(std::move(o.batch_)),
          row_(o.row_),
          done_(std::exchange(o.done_, true)),
          checked_(o.checked_),
          whole_(o.whole_),
          columns_(std::move(o.columns_)) {}
    /// A cursor over a result read whole: a query in a transaction whose limit fits one batch
    /// (one statement, where a server-side cursor takes three).
    cursor(postgres* owner, const table_state* t, lease c, detail::pg::result whole, std::vector<std::size_t> columns)
        : owner_(owner),
          table_(t),
          schema_(t->schema),
          c_(std::move(c)),
          session_(0),
          batch_(std::move(whole)),
          whole_(true),
          columns_(std::move(columns)) {}
    cursor& operator=(cursor&&) = delete;
    ~cursor();

    bool next(void* out);

    static constexpr int fetch_size = 512;  // rows a server-side cursor fetches at a time

   private:
    postgres* owner_;
    const table_state* table_;
    const detail::table_schema* schema_;
    lease c_;
    std::string name_;  // the server-side cursor; empty in single-row mode
    std::uint64_t session_;
    detail::pg::result batch_;
    int row_ = 0;
    bool done_ = false;
    bool checked_ = false;              // the result's column types, in single-row mode
    bool whole_ = false;                // every row is in batch_ (no cursor, no rows still coming)
    std::vector<std::size_t> columns_;  // a projection's fields (query_spec::columns)
  };

  cursor select(table_handle h, const detail::query_spec& q);

  std::uint64_t count(table_handle h, const detail::query_spec& q);

  /// DELETE ... WHERE <the filter>: one statement, so all or none.
  std::uint64_t erase_where(table_handle h, const detail::query_spec& q);
  /// UPDATE ... SET ... WHERE <the filter>: one statement, so all or none; inside a transaction,
  /// in a savepoint when a unique index could refuse it (as write()), so the transaction goes on.
  std::uint64_t update_where(table_handle h, const detail::query_spec& q,
                             std::span<const detail::field_change> changes);

  /// SELECT f, COUNT(*) ... GROUP BY f ORDER BY f: each value of the field with its count.
  std::vector<detail::group_count> count_groups(table_handle h, const detail::query_spec& q, std::size_t field);

  void clear(table_handle h);

  void begin(unsigned depth);
  void begin(unsigned depth, isolation level);

  void commit(unsigned depth);

  void rollback(unsigned depth);

  /// A connection for work stowage does not wrap: the calling thread's transaction's, or one
  /// from the pool, returned when the lease ends. Use (*lease).conn with libpq.
  lease connection();

 private:
  struct session {
    std::unique_ptr<detail::pg::connection> conn;
    std::uint64_t id = 0;
  };

  /// An error found out, raised once the connection is tidied up.
  struct pending_error {
    error_kind kind;
    bool retryable;
    std::string what;
    error_context ctx;
    [[noreturn]] void raise();
  };

  /// Commands sent in pipeline mode and their results read back: one round trip for a batch.
  class pipeline {
   public:
    pipeline(postgres& owner, detail::pg::connection& c);
    pipeline(const pipeline&) = delete;
    pipeline& operator=(const pipeline&) = delete;
    ~pipeline();
    void send(const char* sql);
    /// Sends what is buffered without blocking on a server that is itself sending results.
    void pump();
    void sync();
    /// The next command's result.
    detail::pg::result next();
    /// Reads what is left up to the sync and leaves pipeline mode.
    void drain();
    void finish();
    [[noreturn]] void fail(const PGresult* r, std::string_view what, const detail::table_schema* s);
    [[noreturn]] void lost(std::string_view what);

   private:
    void leave();
    postgres& owner_;
    detail::pg::connection& c_;
    bool synced_ = false;
    bool finished_ = false;
  };

  lease acquire();

  session end_session();

  /// The calling thread's transaction, 0 when it has none.
  std::uint64_t session_id();

  pending_error error_of(detail::pg::connection& c, const PGresult* r, std::string_view what,
                         const detail::table_schema* s, const detail::key_ref& key);

  [[noreturn]] void fail(detail::pg::connection& c, const PGresult* r, std::string_view what,
                         const detail::table_schema* s, const detail::key_ref& key);

  void exec(detail::pg::connection& c, const char* sql, const detail::table_schema* s = nullptr);
  void exec_quietly(detail::pg::connection& c, const char* sql) noexcept;

  /// Runs a prepared statement inside the calling thread's transaction, in a savepoint of its
  /// own, all in one round trip: a refused statement leaves the transaction as it was.
  detail::pg::result guarded(detail::pg::connection& c, const std::string& stmt, int n, const char* const* values,
                             const int* lengths, const int* formats, const detail::table_schema* s,
                             const detail::key_ref& key, std::string_view what = "cannot write the record");

  /// Runs a statement of a builder that changes rows (guarded when `guard`, inside a
  /// transaction) and returns how many it changed.
  std::uint64_t change_rows(const table_state& t, const detail::pg::builder& b, bool guard, std::string_view what);

  /// Whether the server could refuse a write of these parameters (one per field) for what is
  /// checked there only: an index entry over a btree page's limit, or a number out of range of
  /// a column stored narrower than its field. Such a write needs a savepoint in a transaction.
  static bool may_be_refused(const table_state& t, const int* lengths);

  /// Adds the record's fields as parameters; `scratch` holds the bytes a field's conversion makes.
  void encode(detail::pg::params& p, const table_state& t, const void* record, std::string& scratch);

  void add_key(detail::pg::params& p, const table_state& t, const detail::cell& key);

  void add_param(detail::pg::params& p, const detail::pg::builder& b, std::size_t i, const detail::table_schema* s);

  /// Decodes row `row` of a result into the record at `out`, reusing the buffers of its string
  /// fields. The result's column types are checked against the table's when `check` (once per
  /// statement): the fields are then read by their stored kinds.
  void decode_into(void* out, const PGresult* res, int row, const table_state& t, detail::key_ref key, bool check);
  /// The same for a projection's row: column i of the result into out[i], of field columns[i].
  void decode_projected(void* const* out, const PGresult* res, int row, const table_state& t,
                        const std::vector<std::size_t>& columns, bool check);

  /// Runs one of a table's statements on the calling thread's connection and checks its status.
  detail::pg::result run(const table_state& t, int k, detail::pg::params& p, ExecStatusType expected,
                         std::string_view what, const detail::key_ref& key);

  void ensure_prepared(detail::pg::connection& c, const table_state& t, int k);

  /// The name of a query's statement on this connection, prepared on first use.
  const std::string& prepared_query(detail::pg::connection& c, const detail::pg::builder& b,
                                    const detail::table_schema* s);

  std::vector<detail::stored_column> stored_columns(detail::pg::connection& c, const detail::table_schema& s);

  /// Creates the table or adds the record's new columns, and notes how the table stores each
  /// field (integer and real widths may differ from the record's) and its primary key's name.
  void create_or_migrate(detail::pg::connection& c, table_state& t);

  /// The table's statements, named by table and generation so that each connection prepares
  /// them once, and again after the table changed.
  void write_statements(table_state& t);

  /// A batch of upserts in one pipeline: one round trip.
  void pipelined_upsert(table_state& t, lease& c, std::span<const void* const> rows);

  /// A large batch by binary COPY. New keys go straight into the table; when a key exists (or
  /// repeats in the batch) that COPY is undone and the rows go through a staging table, from
  /// which one INSERT ... ON CONFLICT DO UPDATE keeps the last record of each key. A few keys
  /// of the batch are looked up first, in the round trip that begins it: when one exists the
  /// rows go to the staging table at once, rather than after a COPY bound to fail.
  void copied_upsert(table_state& t, lease& c, std::span<const void* const> rows);

  struct copy_failure {
    pending_error error;
    bool existing_key;  // the primary key refused a row: the batch needs the staging path
  };

  /// Sends the rows to `target` by COPY in the binary format; a failure is returned, not thrown,
  /// unless a record cannot be encoded (then the COPY is abandoned and the error thrown).
  auto copy_rows(detail::pg::connection& c, const table_state& t, std::span<const void* const> rows,
                 std::string_view target, bool with_seq) -> std::optional<copy_failure>;

  static constexpr std::size_t max_cached_queries = 128;
  static constexpr std::size_t copy_threshold = 64;  // from here on a batch goes by COPY
  static constexpr std::size_t probes = 4;           // keys of a COPY batch looked up first
  static constexpr std::size_t index_budget = 2000;  // bytes of an index entry's values sure to fit

  detail::pg::pool pool_;
  std::mutex tables_mutex_;
  std::deque<std::unique_ptr<table_state>> tables_;
  std::mutex sessions_mutex_;
  std::unordered_map<std::thread::id, session> sessions_;
  std::uint64_t session_counter_ = 0;
  std::atomic<std::uint64_t> query_counter_{0};
  std::atomic<std::uint64_t> generation_counter_{0};
};

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/backend/impl/postgres.ipp>
#endif
