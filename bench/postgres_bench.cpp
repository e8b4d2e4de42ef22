// stowage over PostgreSQL against raw libpq, in one process, against one server, on the same data.
//
//   postgres_bench [rows] [--gets=N] [--range=N] [--reps=N] [--smoke]
//
// The server is the one STOWAGE_TEST_PG_URL names; scripts/with-pg starts a throwaway one:
//
//   scripts/with-pg build/bench/postgres_bench
//
// rows (the bulk insert) defaults to 100000, gets (point and batch lookups) to 20000, range (rows
// a range query streams) to 20000, reps to 5; --smoke runs tiny sizes once. stowage keeps its
// table in the schema bench_stowage (URL parameter schema=bench_stowage), the raw side the same
// table, with the same DDL, in the schema bench_raw; both schemas are dropped at the start and
// at the end. Each repetition empties both tables (TRUNCATE) and runs these workloads, each
// figure the median over the repetitions, alternating which side goes first:
//
//   1. bulk insert of every row into an empty table. stowage: table::put_many (upsert semantics,
//      in one transaction). Raw: (a) the fastest way libpq has, COPY ... FROM STDIN (FORMAT
//      binary) fed by PQputCopyData; (b) a prepared INSERT run row by row with PQexecPrepared in
//      one transaction; (c, for information) the upsert stowage prepares, pipelined in one
//      transaction (what stowage's put_many does with a small batch);
//      then, for information, every row put again over its existing key. stowage: put_many.
//      Raw: COPY into a temporary staging table and one INSERT ... SELECT ... ON CONFLICT DO
//      UPDATE, in one transaction;
//   2. point get of `gets` random existing keys, one statement each. Raw: PQexecPrepared of the
//      same SELECT stowage prepares, binary parameter and results, the row decoded into the
//      struct. stowage: table::get;
//   3. batch get of the same keys. Raw: pipeline mode, one PQsendQueryPrepared per key, sending
//      without blocking and reading the results that are ready while sending (so it cannot
//      deadlock), one PQpipelineSync at the end, every row decoded. stowage: table::get_many;
//   4. a range query on the key streaming `range` rows. Raw: the same SELECT stowage runs, in
//      single-row mode, each row decoded into one reused struct. stowage: iterating table::query.
//
// The tables are vacuumed and analyzed after the inserts, outside the timings. Every repetition
// checks that all three raw inserts and stowage's stored the same rows (a server-side checksum of
// every row) and that both sides read back exactly what was inserted (a checksum of the decoded
// structs); the program fails (exit 1) when they do not. Before timing it checks that both
// tables have the same shape and that stowage prepared the raw side's statement texts, and
// warns when not. Timings are printed, never judged. Client CPU time (this process) is printed
// beside the wall-clock time: the rest is the server's work and the wait for it.
//
// Instructions per row, which a busy machine does not disturb: each timed workload is a function
// of its own (timed_*), and bench/postgres_instructions.py runs the benchmark once under
// valgrind --tool=callgrind and prints each one's client instructions per row, raw and stowage:
//
//   scripts/with-pg bench/postgres_instructions.py build/bench/postgres_bench
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stowage/postgres.hpp>

#include "common.hpp"

struct Item {
  BOOST_HANA_DEFINE_STRUCT(Item,
    (std::int64_t, id),
    (std::string, name),
    (std::int64_t, quantity),
    (double, price),
    (bool, active),
    (stowage::timestamp, created));
};

template <>
struct stowage::record_traits<Item> {
  static constexpr std::string_view table = "items";
};

namespace {

using namespace bench_common;

// What stowage's PostgreSQL backend creates and prepares for Item (checked at startup).
constexpr const char* ddl_table =
    R"(CREATE TABLE "items" ("id" bigint NOT NULL PRIMARY KEY, "name" text COLLATE "C" NOT NULL, )"
    R"("quantity" bigint NOT NULL, "price" double precision NOT NULL, "active" boolean NOT NULL, )"
    R"("created" timestamptz NOT NULL))";
constexpr const char* sql_upsert =
    R"(INSERT INTO "items" ("id", "name", "quantity", "price", "active", "created") VALUES ($1, $2, $3, $4, $5, $6) )"
    R"(ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "quantity" = EXCLUDED."quantity", )"
    R"("price" = EXCLUDED."price", "active" = EXCLUDED."active", "created" = EXCLUDED."created")";
constexpr const char* sql_insert =
    R"(INSERT INTO "items" ("id", "name", "quantity", "price", "active", "created") VALUES ($1, $2, $3, $4, $5, $6))";
constexpr const char* sql_copy =
    R"(COPY "items" ("id", "name", "quantity", "price", "active", "created") FROM STDIN (FORMAT binary))";
// for re-putting existing keys: a staging table and one merge, what a raw program would do
constexpr const char* sql_stage =
    R"(CREATE TEMPORARY TABLE IF NOT EXISTS "items_stage" (LIKE "items") ON COMMIT DELETE ROWS)";
constexpr const char* sql_copy_stage =
    R"(COPY "items_stage" ("id", "name", "quantity", "price", "active", "created") FROM STDIN (FORMAT binary))";
constexpr const char* sql_merge =
    R"(INSERT INTO "items" ("id", "name", "quantity", "price", "active", "created") )"
    R"(SELECT "id", "name", "quantity", "price", "active", "created" FROM "items_stage" )"
    R"(ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "quantity" = EXCLUDED."quantity", )"
    R"("price" = EXCLUDED."price", "active" = EXCLUDED."active", "created" = EXCLUDED."created")";
constexpr const char* sql_get =
    R"(SELECT "id", "name", "quantity", "price", "active", "created" FROM "items" WHERE "id" = $1)";
constexpr const char* sql_range =
    R"(SELECT "id", "name", "quantity", "price", "active", "created" FROM "items" WHERE ("id" >= $1 AND "id" < $2))";

// type OIDs (pg_type.h)
constexpr Oid int8_oid = 20, text_oid = 25, float8_oid = 701, bool_oid = 16, timestamptz_oid = 1184;
constexpr Oid item_types[] = {int8_oid, text_oid, int8_oid, float8_oid, bool_oid, timestamptz_oid};

/// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
constexpr std::int64_t pg_epoch_us = 946'684'800'000'000;

struct options {
  std::size_t rows = 100000;
  std::size_t gets = 20000;
  std::size_t range = 20000;
  int reps = 5;
  bool smoke = false;
};

options parse(int argc, char** argv) {
  const command_line cl("postgres_bench",
                        "postgres_bench [rows] [--gets=N] [--range=N] [--reps=N] [--smoke]\n"
                        "runs against the server STOWAGE_TEST_PG_URL names, e.g. scripts/with-pg postgres_bench");
  options o;
  bool gets_given = false, range_given = false;
  const command_line::given given = cl.parse(argc, argv, o.rows, o.reps, [&](std::string_view a) {
    if (auto v = option_value(a, "--gets=")) {
      o.gets = cl.positive(*v);
      gets_given = true;
    } else if (auto v = option_value(a, "--range=")) {
      o.range = cl.positive(*v);
      range_given = true;
    } else if (a == "--smoke") {
      o.smoke = true;
    } else {
      return false;
    }
    return true;
  });
  if (o.smoke) {
    if (!given.rows) o.rows = 500;
    if (!gets_given) o.gets = 200;
    if (!range_given) o.range = 200;
    if (!given.reps) o.reps = 1;
  }
  o.gets = std::min(o.gets, o.rows);
  o.range = std::min(o.range, o.rows);
  return o;
}

// ---------------------------------------------------------------------------------------------
// The data set.

struct data_set {
  std::vector<Item> items;          // ids 1..n, in key order, as inserted
  std::vector<std::int64_t> probe;  // `gets` distinct existing keys in random order
  std::int64_t lo = 0, hi = 0;      // the key range [lo, hi) holding `range` rows
};

data_set make_data(const options& o) {
  static constexpr std::string_view colours[] = {"red", "green", "blue", "amber", "violet", "black", "white", "teal"};
  static constexpr std::string_view things[] = {"widget", "sprocket",        "gear",   "flange", "bracket", "hinge",
                                                "valve",  "bolt assortment", "bearing"};
  std::mt19937_64 rng(20240611);
  data_set d;
  d.items.reserve(o.rows);
  const std::int64_t t0 = 1'700'000'000'000'000;  // microseconds since 1970
  char buf[128];
  for (std::size_t i = 0; i < o.rows; ++i) {
    Item it;
    it.id = static_cast<std::int64_t>(i) + 1;
    int len =
        std::snprintf(buf, sizeof buf, "%s %s #%06u", std::string(colours[rng() % std::size(colours)]).c_str(),
                      std::string(things[rng() % std::size(things)]).c_str(), static_cast<unsigned>(rng() % 1000000));
    it.name.assign(buf, static_cast<std::size_t>(len));  // 16 to 31 characters
    it.quantity = static_cast<std::int64_t>(rng() % 100000) - 1000;
    it.price = static_cast<double>(rng() % 10000000) / 100.0 + 0.125;
    it.active = rng() % 3 != 0;
    it.created = stowage::timestamp(
        std::chrono::microseconds(t0 + static_cast<std::int64_t>(i) * 1000 + static_cast<std::int64_t>(rng() % 5000)));
    d.items.push_back(std::move(it));
  }
  std::vector<std::int64_t> keys;
  keys.reserve(o.rows);
  for (const Item& it : d.items) keys.push_back(it.id);
  std::shuffle(keys.begin(), keys.end(), rng);
  d.probe.assign(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(o.gets));
  d.lo = static_cast<std::int64_t>((o.rows - o.range) / 2) + 1;
  d.hi = d.lo + static_cast<std::int64_t>(o.range);
  return d;
}

/// A fold of every field of a record, so that neither side's reads can be optimized away and
/// both can be checked to read what was inserted.
std::uint64_t digest(const Item& it) {
  std::uint64_t h = static_cast<std::uint64_t>(it.id) * 0x9E3779B97F4A7C15ull;
  for (unsigned char c : it.name) h = (h ^ c) * 0x100000001B3ull;
  h ^= static_cast<std::uint64_t>(it.quantity) * 0xC2B2AE3D27D4EB4Full;
  h ^= std::bit_cast<std::uint64_t>(it.price) + (it.active ? 0x5851F42D4C957F2Dull : 0);
  h += static_cast<std::uint64_t>(it.created.time_since_epoch().count()) * 0x27D4EB2F165667C5ull;
  return h;
}

std::uint64_t expected_digest(const data_set& d, const std::vector<std::int64_t>& keys) {
  std::uint64_t sum = 0;
  for (std::int64_t k : keys) sum += digest(d.items[static_cast<std::size_t>(k - 1)]);
  return sum;
}

// ---------------------------------------------------------------------------------------------
// The raw side: libpq, binary formats, prepared statements.

struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result = std::unique_ptr<PGresult, result_deleter>;

[[noreturn]] void die(PGconn* c, const std::string& what, const PGresult* r = nullptr) {
  std::string msg = r ? PQresultErrorMessage(r) : "";
  if (msg.empty()) msg = PQerrorMessage(c);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  throw std::runtime_error("raw libpq: " + what + ": " + msg);
}

inline void put_be64(char* out, std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(out, &v, 8);
}
inline std::uint64_t get_be64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}
inline void put_be32(std::string& out, std::uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}
inline void put_be16(std::string& out, std::uint16_t v) {
  char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 2);
}

/// Decodes row `row` of a binary result of (id, name, quantity, price, active, created).
inline void decode(Item& it, const PGresult* r, int row) {
  it.id = static_cast<std::int64_t>(get_be64(PQgetvalue(r, row, 0)));
  it.name.assign(PQgetvalue(r, row, 1), static_cast<std::size_t>(PQgetlength(r, row, 1)));
  it.quantity = static_cast<std::int64_t>(get_be64(PQgetvalue(r, row, 2)));
  it.price = std::bit_cast<double>(get_be64(PQgetvalue(r, row, 3)));
  it.active = PQgetvalue(r, row, 4)[0] != 0;
  it.created = stowage::timestamp(
      std::chrono::microseconds(static_cast<std::int64_t>(get_be64(PQgetvalue(r, row, 5))) + pg_epoch_us));
}

/// The six parameters of an insert, binary.
struct item_params {
  char buf[33];
  const char* values[6];
  int lengths[6] = {8, 0, 8, 8, 1, 8};
  int formats[6] = {1, 1, 1, 1, 1, 1};
  void set(const Item& it) {
    put_be64(buf, static_cast<std::uint64_t>(it.id));
    put_be64(buf + 8, static_cast<std::uint64_t>(it.quantity));
    put_be64(buf + 16, std::bit_cast<std::uint64_t>(it.price));
    buf[24] = it.active ? 1 : 0;
    put_be64(buf + 25, static_cast<std::uint64_t>(it.created.time_since_epoch().count() - pg_epoch_us));
    values[0] = buf;
    values[1] = it.name.data();
    lengths[1] = static_cast<int>(it.name.size());
    values[2] = buf + 8;
    values[3] = buf + 16;
    values[4] = buf + 24;
    values[5] = buf + 25;
  }
};

/// One binary int8 parameter (a key, a bound).
struct key_param {
  char buf[8];
  const char* value = buf;
  int length = 8;
  int format = 1;
  void set(std::int64_t k) { put_be64(buf, static_cast<std::uint64_t>(k)); }
};

class raw_conn {
 public:
  explicit raw_conn(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (!c_ || PQstatus(c_) != CONNECTION_OK) {
      std::string msg = c_ ? PQerrorMessage(c_) : "out of memory";
      PQfinish(c_);
      throw std::runtime_error("raw libpq: cannot connect: " + msg);
    }
    PQsetNoticeProcessor(
        c_, [](void*, const char*) {}, nullptr);
  }
  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;
  ~raw_conn() { PQfinish(c_); }

  PGconn* get() const noexcept { return c_; }

  /// Runs a command (or several) and returns the last result, which must not be an error.
  result exec(const std::string& sql) {
    result r(PQexec(c_, sql.c_str()));
    auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) die(c_, sql, r.get());
    return r;
  }
  /// The text rows of a query with text parameters.
  std::vector<std::string> rows(const char* sql, std::initializer_list<const char*> params = {}) {
    std::vector<const char*> values(params);
    result r(PQexecParams(c_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) die(c_, sql, r.get());
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      std::string line;
      for (int j = 0; j < PQnfields(r.get()); ++j) line += (j ? " | " : "") + std::string(PQgetvalue(r.get(), i, j));
      out.push_back(std::move(line));
    }
    return out;
  }
  void prepare(const char* name, const char* sql, const Oid* types, int n) {
    result r(PQprepare(c_, name, sql, n, types));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) die(c_, std::string("prepare ") + sql, r.get());
  }

 private:
  PGconn* c_;
};

/// Bulk insert (a): COPY FROM STDIN in the binary format.
void raw_copy(raw_conn& db, const std::vector<Item>& items, const char* copy_sql = sql_copy) {
  PGconn* c = db.get();
  {
    result r(PQexec(c, copy_sql));
    if (PQresultStatus(r.get()) != PGRES_COPY_IN) die(c, "COPY", r.get());
  }
  std::string buf;
  constexpr std::size_t chunk = 64 * 1024;
  buf.reserve(chunk + 256);
  buf.append("PGCOPY\n\377\r\n\0", 11);
  put_be32(buf, 0);  // flags
  put_be32(buf, 0);  // header extension length
  auto send = [&] {
    if (PQputCopyData(c, buf.data(), static_cast<int>(buf.size())) != 1) die(c, "PQputCopyData");
    buf.clear();
  };
  char b[8];
  for (const Item& it : items) {
    put_be16(buf, 6);
    put_be32(buf, 8);
    put_be64(b, static_cast<std::uint64_t>(it.id));
    buf.append(b, 8);
    put_be32(buf, static_cast<std::uint32_t>(it.name.size()));
    buf.append(it.name);
    put_be32(buf, 8);
    put_be64(b, static_cast<std::uint64_t>(it.quantity));
    buf.append(b, 8);
    put_be32(buf, 8);
    put_be64(b, std::bit_cast<std::uint64_t>(it.price));
    buf.append(b, 8);
    put_be32(buf, 1);
    buf += static_cast<char>(it.active ? 1 : 0);
    put_be32(buf, 8);
    put_be64(b, static_cast<std::uint64_t>(it.created.time_since_epoch().count() - pg_epoch_us));
    buf.append(b, 8);
    if (buf.size() >= chunk) send();
  }
  put_be16(buf, 0xFFFF);  // the trailer: a field count of -1
  send();
  if (PQputCopyEnd(c, nullptr) != 1) die(c, "PQputCopyEnd");
  result r(PQgetResult(c));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) die(c, "COPY", r.get());
  while (result more{PQgetResult(c)}) {
  }
}

/// Re-put over existing keys: COPY into a staging table, then one INSERT ... ON CONFLICT DO
/// UPDATE, in one transaction (the batch has no repeated keys, so no de-duplication).
void raw_copy_merge(raw_conn& db, const std::vector<Item>& items) {
  db.exec("BEGIN");
  db.exec(sql_stage);
  raw_copy(db, items, sql_copy_stage);
  db.exec(sql_merge);
  db.exec("COMMIT");
}

/// Bulk insert (b): a prepared INSERT per row, one round trip each, in one transaction.
void raw_insert_rows(raw_conn& db, const std::vector<Item>& items) {
  PGconn* c = db.get();
  db.exec("BEGIN");
  item_params p;
  for (const Item& it : items) {
    p.set(it);
    result r(PQexecPrepared(c, "raw_insert", 6, p.values, p.lengths, p.formats, 1));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) die(c, "insert", r.get());
  }
  db.exec("COMMIT");
}

/// Runs n commands in pipeline mode: send(i) sends the i-th, take(i, result) reads its result.
/// The connection is non-blocking while sending; results that are ready are read every few
/// commands, so neither side can block the other; one sync at the end.
template <class Send, class Take>
void run_pipeline(PGconn* c, std::size_t n, Send&& send, Take&& take) {
  if (!PQenterPipelineMode(c) || PQsetnonblocking(c, 1) != 0) die(c, "cannot enter pipeline mode");
  // Once 8 KiB are buffered libpq sends by itself inside each PQsendQueryPrepared, and when the
  // socket is full it tries again, with a send and a recv, on every later command: flushing every
  // 64 commands (a few KiB) keeps the buffer under that and the client's CPU time down.
  constexpr std::size_t flush_every = 64;
  std::size_t sent = 0, done = 0;
  bool taken = false;  // the current command's result was read: its closing null comes next
  // reads the results that are ready (wait: every result still due, waiting for them)
  auto read = [&](bool wait) {
    if (!wait && !PQconsumeInput(c)) die(c, "cannot read from the server");
    while (done < sent) {
      if (!wait && PQisBusy(c)) return;
      result r(PQgetResult(c));
      if (taken) {
        if (r) die(c, "a command returned more than one result");
        taken = false;
        ++done;
        continue;
      }
      if (!r) die(c, "a command returned no result");
      take(done, r.get());
      taken = true;
    }
  };
  // sends what is buffered; while the server does not take it (it is busy sending results),
  // waits for the socket, reading those results meanwhile. Never spins on a full socket.
  auto flush = [&] {
    for (;;) {
      int f = PQflush(c);
      if (f == 0) return;
      if (f < 0) die(c, "cannot send to the server");
      pollfd p{PQsocket(c), POLLIN | POLLOUT, 0};
      if (::poll(&p, 1, -1) < 0) die(c, "poll");
      if (p.revents & POLLIN) read(false);
    }
  };
  for (; sent < n;) {
    if (!send(sent)) die(c, "cannot send a command");
    if (++sent % flush_every == 0) {
      flush();
      read(false);
    }
  }
  if (!PQpipelineSync(c)) die(c, "cannot send a sync");
  flush();
  read(true);  // nothing left to send: blocking reads are safe
  result end(PQgetResult(c));
  if (PQresultStatus(end.get()) != PGRES_PIPELINE_SYNC) die(c, "the pipeline did not end with its sync", end.get());
  if (!PQexitPipelineMode(c) || PQsetnonblocking(c, 0) != 0) die(c, "cannot leave pipeline mode");
}

/// For information: stowage's upsert, pipelined in one transaction.
void raw_upsert_pipelined(raw_conn& db, const std::vector<Item>& items) {
  PGconn* c = db.get();
  db.exec("BEGIN");
  item_params p;
  run_pipeline(
      c, items.size(),
      [&](std::size_t i) {
        p.set(items[i]);
        return PQsendQueryPrepared(c, "raw_upsert", 6, p.values, p.lengths, p.formats, 1);
      },
      [&](std::size_t, PGresult* r) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) die(c, "upsert", r);
      });
  db.exec("COMMIT");
}

std::optional<Item> raw_get(PGconn* c, std::int64_t key) {
  key_param k;
  k.set(key);
  result r(PQexecPrepared(c, "raw_get", 1, &k.value, &k.length, &k.format, 1));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) die(c, "get", r.get());
  if (PQntuples(r.get()) == 0) return std::nullopt;
  Item it;
  decode(it, r.get(), 0);
  return it;
}

std::uint64_t raw_gets(raw_conn& db, const std::vector<std::int64_t>& keys) {
  std::uint64_t sum = 0;
  for (std::int64_t k : keys)
    if (std::optional<Item> it = raw_get(db.get(), k)) sum += digest(*it);
  return sum;
}

std::vector<std::optional<Item>> raw_get_many(raw_conn& db, const std::vector<std::int64_t>& keys) {
  PGconn* c = db.get();
  std::vector<std::optional<Item>> out;
  out.reserve(keys.size());
  key_param k;
  run_pipeline(
      c, keys.size(),
      [&](std::size_t i) {
        k.set(keys[i]);
        return PQsendQueryPrepared(c, "raw_get", 1, &k.value, &k.length, &k.format, 1);
      },
      [&](std::size_t, PGresult* r) {
        if (PQresultStatus(r) != PGRES_TUPLES_OK) die(c, "get", r);
        if (PQntuples(r) == 0) {
          out.emplace_back();
        } else {
          decode(*out.emplace_back(std::in_place), r, 0);
        }
      });
  return out;
}

std::uint64_t sum_of(const std::vector<std::optional<Item>>& v) {
  std::uint64_t sum = 0;
  for (const auto& it : v)
    if (it) sum += digest(*it);
  return sum;
}

std::pair<std::uint64_t, std::size_t> raw_range(raw_conn& db, std::int64_t lo, std::int64_t hi) {
  PGconn* c = db.get();
  key_param a, b;
  a.set(lo);
  b.set(hi);
  const char* values[] = {a.buf, b.buf};
  const int lengths[] = {8, 8}, formats[] = {1, 1};
  if (!PQsendQueryPrepared(c, "raw_range", 2, values, lengths, formats, 1) || !PQsetSingleRowMode(c))
    die(c, "range query");
  std::uint64_t sum = 0;
  std::size_t n = 0;
  Item current;
  bool failed = false;
  std::string error;
  while (result r{PQgetResult(c)}) {
    auto st = PQresultStatus(r.get());
    if (st == PGRES_SINGLE_TUPLE) {
      decode(current, r.get(), 0);
      sum += digest(current);
      ++n;
    } else if (st != PGRES_TUPLES_OK && !failed) {
      failed = true;
      error = PQresultErrorMessage(r.get());
    }
  }
  if (failed) throw std::runtime_error("raw libpq: range query: " + error);
  return {sum, n};
}

// ---------------------------------------------------------------------------------------------
// The stowage side.

using store = stowage::database<stowage::postgres>;
using item_table = stowage::table<Item, stowage::postgres>;

// Each timed workload is a function of its own, never inlined, so that an instruction profile
// of the whole run (valgrind --tool=callgrind, then callgrind_annotate --inclusive=yes) gives
// each side's cost under its name; the names begin with timed_ and end in _raw or _stowage.

[[gnu::noinline]] void timed_insert_copy_raw(raw_conn& db, const std::vector<Item>& items) { raw_copy(db, items); }
[[gnu::noinline]] void timed_insert_rows_raw(raw_conn& db, const std::vector<Item>& items) {
  raw_insert_rows(db, items);
}
[[gnu::noinline]] void timed_insert_upsert_raw(raw_conn& db, const std::vector<Item>& items) {
  raw_upsert_pipelined(db, items);
}
[[gnu::noinline]] void timed_insert_stowage(item_table& t, const std::vector<Item>& items) { t.put_many(items); }
[[gnu::noinline]] void timed_reput_raw(raw_conn& db, const std::vector<Item>& items) { raw_copy_merge(db, items); }
[[gnu::noinline]] void timed_reput_stowage(item_table& t, const std::vector<Item>& items) {
  t.put_many(items);
  // an empty statement of its own, so that g++ does not fold this function into
  // timed_insert_stowage, whose body is otherwise the same, and a profile tells the two apart
  asm volatile("");
}
[[gnu::noinline]] std::uint64_t timed_gets_raw(raw_conn& db, const std::vector<std::int64_t>& keys) {
  return raw_gets(db, keys);
}
[[gnu::noinline]] std::uint64_t timed_gets_stowage(const item_table& t, const std::vector<std::int64_t>& keys) {
  return stowage_gets(t, keys, digest);
}
[[gnu::noinline]] std::vector<std::optional<Item>> timed_get_many_raw(raw_conn& db,
                                                                      const std::vector<std::int64_t>& keys) {
  return raw_get_many(db, keys);
}
[[gnu::noinline]] std::vector<std::optional<Item>> timed_get_many_stowage(const item_table& t,
                                                                          const std::vector<std::int64_t>& keys) {
  return t.get_many(keys);
}
[[gnu::noinline]] std::pair<std::uint64_t, std::size_t> timed_range_raw(raw_conn& db, std::int64_t lo,
                                                                        std::int64_t hi) {
  return raw_range(db, lo, hi);
}
std::pair<std::uint64_t, std::size_t> stowage_range(const item_table& t, std::int64_t lo, std::int64_t hi) {
  using stowage::where;
  return digest_rows(t.query(where<&Item::id> >= lo && where<&Item::id> < hi), digest);
}
[[gnu::noinline]] std::pair<std::uint64_t, std::size_t> timed_range_stowage(const item_table& t, std::int64_t lo,
                                                                            std::int64_t hi) {
  return stowage_range(t, lo, hi);
}

// ---------------------------------------------------------------------------------------------
// Checks that the raw side mirrors what stowage does.

std::vector<std::string> table_shape(raw_conn& db, const char* table) {
  std::vector<std::string> out = db.rows(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), coalesce(co.collname, '-'), a.attnotnull "
      "FROM pg_attribute a LEFT JOIN pg_collation co ON co.oid = a.attcollation "
      "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {table});
  for (auto& r : db.rows("SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass "
                         "ORDER BY 1, 2",
                         {table}))
    out.push_back("constraint " + r);
  for (auto& r : db.rows("SELECT count(*) FROM pg_index WHERE indrelid = $1::regclass", {table}))
    out.push_back("indexes " + r);
  return out;
}

/// Warns where the raw side does not mirror stowage.
void check_mirror(raw_conn& raw, store& sdb, item_table& t, const data_set& d, mirror_warnings& warnings) {
  warnings.expect_same("table", table_shape(raw, "bench_stowage.items"), table_shape(raw, "bench_raw.items"));
  // every statement stowage prepares, on the pool's one connection
  std::vector<Item> few(d.items.begin(), d.items.begin() + 10);
  t.put_many(few);
  (void)t.get(few[3].id);
  (void)t.get_many(std::vector<std::int64_t>{few[1].id, few[2].id});
  (void)stowage_range(t, few[2].id, few[7].id);
  std::vector<std::string> prepared;
  {
    auto lease = sdb.backend().connection();
    result r(PQexec((*lease).conn, "SELECT statement FROM pg_prepared_statements ORDER BY name"));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) die((*lease).conn, "pg_prepared_statements", r.get());
    for (int i = 0; i < PQntuples(r.get()); ++i) prepared.emplace_back(PQgetvalue(r.get(), i, 0));
  }
  warnings.expect_statements({sql_upsert, sql_get, sql_range}, prepared, "prepare", "prepared");
  raw.exec("TRUNCATE bench_stowage.items");
}

/// count and a checksum of every row, computed by the server.
std::string fingerprint(raw_conn& db, const char* table) {
  std::string sql = "SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0) FROM ";
  sql += table;
  sql += " t";
  return db.rows(sql.c_str()).at(0);
}

// ---------------------------------------------------------------------------------------------
// Timing.

/// The CPU time measured beside the wall clock: the whole client's (this process's).
constexpr cpu_clock client_cpu = cpu_clock::process;

std::string with_param(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

int run(const options& o, const std::string& url) {
  const data_set d = make_data(o);
  const std::size_t n = o.rows;
  // the raw connection: the same URL and the settings stowage adds (client_encoding=UTF8)
  raw_conn raw(with_param(url, "client_encoding=UTF8"));
  raw.exec("DROP SCHEMA IF EXISTS bench_raw CASCADE; DROP SCHEMA IF EXISTS bench_stowage CASCADE");
  raw.exec("CREATE SCHEMA bench_raw; SET search_path TO bench_raw");
  raw.exec(ddl_table);
  raw.prepare("raw_insert", sql_insert, item_types, 6);
  raw.prepare("raw_upsert", sql_upsert, item_types, 6);
  raw.prepare("raw_get", sql_get, item_types, 1);
  const Oid range_types[] = {int8_oid, int8_oid};
  raw.prepare("raw_range", sql_range, range_types, 2);

  store sdb{with_param(url, "schema=bench_stowage")};
  auto t = sdb.table<Item>();

  std::size_t shortest = d.items[0].name.size(), longest = shortest;
  for (const Item& it : d.items) {
    shortest = std::min(shortest, it.name.size());
    longest = std::max(longest, it.name.size());
  }
  std::printf(
      "stowage postgres benchmark: %zu rows inserted, %zu point and batch gets, %zu rows streamed by the range "
      "query\n(record: int64 id, %zu-%zu-char name, int64, double, bool, timestamp)\n",
      n, o.gets, o.range, shortest, longest);
  std::printf("server %d, libpq %d, %s; %d repetitions, alternating which side runs first\n",
              PQserverVersion(raw.get()), PQlibVersion(),
              raw.rows("SHOW fsync").at(0) == "off" ? "fsync off" : "fsync on", o.reps);
  mirror_warnings warnings;
  check_mirror(raw, sdb, t, d, warnings);
  mismatches check;

  const std::uint64_t probe_sum = expected_digest(d, d.probe);
  std::vector<std::int64_t> range_keys;
  for (std::int64_t k = d.lo; k < d.hi; ++k) range_keys.push_back(k);
  const std::uint64_t range_sum = expected_digest(d, range_keys);

  series copy, rows, upsert, put_many, reput_raw, reput_sto, get_raw, get_sto, many_raw, many_sto, range_raw, range_sto;
  for (int rep = 0; rep < o.reps; ++rep) {
    const turn_order in_turn{rep % 2 == 0};

    // 1. bulk insert into an empty table
    std::string fp_rows, fp_upsert, fp_copy, fp_stowage;
    auto raw_inserts = [&] {
      raw.exec("TRUNCATE bench_raw.items");
      timed(rows, n, client_cpu, [&] { timed_insert_rows_raw(raw, d.items); });
      fp_rows = fingerprint(raw, "bench_raw.items");
      raw.exec("TRUNCATE bench_raw.items");
      timed(upsert, n, client_cpu, [&] { timed_insert_upsert_raw(raw, d.items); });
      fp_upsert = fingerprint(raw, "bench_raw.items");
      raw.exec("TRUNCATE bench_raw.items");
      timed(copy, n, client_cpu, [&] { timed_insert_copy_raw(raw, d.items); });
      fp_copy = fingerprint(raw, "bench_raw.items");
    };
    auto stowage_insert = [&] {
      raw.exec("TRUNCATE bench_stowage.items");
      timed(put_many, n, client_cpu, [&] { timed_insert_stowage(t, d.items); });
      fp_stowage = fingerprint(raw, "bench_stowage.items");
    };
    in_turn(raw_inserts, stowage_insert);
    check.expect_same("bulk insert: rows stored by COPY and by put_many", fp_copy, fp_stowage);
    check.expect_same("bulk insert: rows stored by INSERT and by put_many", fp_rows, fp_stowage);
    check.expect_same("bulk insert: rows stored by the pipelined upsert and by put_many", fp_upsert, fp_stowage);
    check.expect_same("bulk insert: rows stored", fp_stowage.substr(0, fp_stowage.find(' ')), std::to_string(n));

    // 1b. every row again, over its existing key
    in_turn([&] { timed(reput_raw, n, client_cpu, [&] { timed_reput_raw(raw, d.items); }); },
            [&] { timed(reput_sto, n, client_cpu, [&] { timed_reput_stowage(t, d.items); }); });
    check.expect_same("re-put: rows stored by COPY and merge and by put_many", fingerprint(raw, "bench_raw.items"),
                      fingerprint(raw, "bench_stowage.items"));
    raw.exec("VACUUM ANALYZE bench_raw.items");
    raw.exec("VACUUM ANALYZE bench_stowage.items");

    // 2. point gets
    std::uint64_t rsum = 0, ssum = 0;
    in_turn([&] { timed(get_raw, o.gets, client_cpu, [&] { rsum = timed_gets_raw(raw, d.probe); }); },
            [&] { timed(get_sto, o.gets, client_cpu, [&] { ssum = timed_gets_stowage(t, d.probe); }); });
    check.expect_same("point gets, raw (checksum)", rsum, probe_sum);
    check.expect_same("point gets, stowage (checksum)", ssum, probe_sum);

    // 3. batch gets
    std::vector<std::optional<Item>> rmany, smany;
    in_turn(
        [&] { timed(many_raw, o.gets, client_cpu, [&] { rsum = sum_of(rmany = timed_get_many_raw(raw, d.probe)); }); },
        [&] {
          timed(many_sto, o.gets, client_cpu, [&] { ssum = sum_of(smany = timed_get_many_stowage(t, d.probe)); });
        });
    check.expect_same("batch gets, raw (records)", rmany.size(), d.probe.size());
    check.expect_same("batch gets, stowage (records)", smany.size(), d.probe.size());
    check.expect_same("batch gets, raw (checksum)", rsum, probe_sum);
    check.expect_same("batch gets, stowage (checksum)", ssum, probe_sum);
    for (std::size_t i = 0; i < std::min(smany.size(), d.probe.size()); ++i)
      if (!smany[i] || smany[i]->id != d.probe[i]) {
        check.expect_same("batch gets, stowage: the key of record i", smany[i] ? smany[i]->id : 0, d.probe[i]);
        break;
      }

    // 4. range query, streamed
    std::pair<std::uint64_t, std::size_t> rr, sr;
    in_turn([&] { timed(range_raw, o.range, client_cpu, [&] { rr = timed_range_raw(raw, d.lo, d.hi); }); },
            [&] { timed(range_sto, o.range, client_cpu, [&] { sr = timed_range_stowage(t, d.lo, d.hi); }); });
    check.expect_same("range query, raw (rows)", rr.second, o.range);
    check.expect_same("range query, stowage (rows)", sr.second, o.range);
    check.expect_same("range query, raw (checksum)", rr.first, range_sum);
    check.expect_same("range query, stowage (checksum)", sr.first, range_sum);
    std::fflush(stdout);
  }
  raw.exec("DROP SCHEMA IF EXISTS bench_raw CASCADE; DROP SCHEMA IF EXISTS bench_stowage CASCADE");

  std::printf(
      "\nns/row: wall-clock median of %d (client CPU ns/row, median, in brackets); ratio = stowage/raw of the\n"
      "wall-clock medians; targets are for information, never judged\n",
      o.reps);
  results_table table({44, 16, 7, 9}, "raw ns/row", "stowage ns/row");
  table.print_header();
  table.print_medians_with_cpu(formatted("bulk insert %zu: put_many vs COPY BINARY", n), copy, put_many,
                               target{"put_many/COPY", 1.30});
  table.print_medians_with_cpu("bulk insert: put_many vs INSERT per row", rows, put_many);
  table.print_medians_with_cpu("info: put_many vs raw pipelined upsert", upsert, put_many);
  table.print_medians_with_cpu("info: re-put_many, keys exist, vs COPY+merge", reput_raw, reput_sto);
  table.print_medians_with_cpu(formatted("point get x %zu: get vs PQexecPrepared", o.gets), get_raw, get_sto,
                               target{"get", 1.15});
  table.print_medians_with_cpu(formatted("batch get x %zu: get_many vs pipeline", o.gets), many_raw, many_sto,
                               target{"get_many", 1.20});
  table.print_medians_with_cpu(formatted("range query, %zu rows: query vs single-row", o.range), range_raw, range_sto,
                               target{"range", 1.25});
  return finish(table, check, warnings);
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  const char* url = std::getenv("STOWAGE_TEST_PG_URL");
  if (!url || !*url) {
    std::fprintf(stderr,
                 "postgres_bench: STOWAGE_TEST_PG_URL is not set. Run it through scripts/with-pg, which starts a "
                 "throwaway server\n(scripts/with-pg build/bench/postgres_bench), or set it to a server's URL, "
                 "e.g. postgresql://user@/db?host=/run/postgresql\n");
    return 2;
  }
  return report_errors("postgres_bench", [&] { return run(o, url); });
}
