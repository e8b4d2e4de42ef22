// What is particular to the SQLite backend: streaming, statement reuse, URLs, corrupt rows.
#include <catch2/catch.hpp>
#include <stowage/sqlite.hpp>

#include <unistd.h>
#include <cmath>
#include <filesystem>

namespace {
struct Row {
  BOOST_HANA_DEFINE_STRUCT(Row, (std::int64_t, id), (std::string, name), (std::int64_t, n));
};

int live_statements(sqlite3* db, bool busy_only = false) {
  int n = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s))
    n += !busy_only || sqlite3_stmt_busy(s);
  return n;
}

std::string temp_db(const char* name) {
  auto p = std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()) + ".db");
  for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
  return p.string();
}
}  // namespace

TEST_CASE("a query streams: rows are read from SQLite as the range advances") {
  stowage::database<stowage::sqlite> db{":memory:"};
  auto rows = db.table<Row>();
  std::vector<Row> batch;
  for (std::int64_t i = 0; i < 10000; ++i) batch.push_back({i, "r", i});
  rows.put_many(batch);

  sqlite3* raw = db.backend().native_handle();
  auto q = rows.query(stowage::where<&Row::n> >= 0);
  auto it = q.begin();
  REQUIRE(it != q.end());
  CHECK(it->id == 0);
  CHECK(live_statements(raw, true) == 1);  // the SELECT is positioned on its first row
  ++it;
  CHECK(it->id == 1);
}

TEST_CASE("statements are prepared once per table and kind, and queries reuse theirs") {
  stowage::database<stowage::sqlite> db{":memory:"};
  auto rows = db.table<Row>();
  sqlite3* raw = db.backend().native_handle();
  rows.put({1, "a", 1});
  (void)rows.get(1);
  (void)rows.query(stowage::where<&Row::n> == 1).count();
  int after_first_use = live_statements(raw);
  for (int i = 0; i < 100; ++i) {
    rows.put({i, "a", i});
    (void)rows.get(i);
    (void)rows.query(stowage::where<&Row::n> == i).count();
    rows.erase(i + 1000);
  }
  CHECK(live_statements(raw) == after_first_use);
}

TEST_CASE("file URLs use WAL and accept stowage's parameters") {
  auto path = temp_db("stowage-url");
  {
    stowage::database<stowage::sqlite> db{"file:" + path + "?synchronous=normal&busy_timeout=100"};
    sqlite3* raw = db.backend().native_handle();
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, nullptr);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
    sqlite3_finalize(st);
    sqlite3_prepare_v2(raw, "PRAGMA synchronous", -1, &st, nullptr);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == 1);  // NORMAL
    sqlite3_finalize(st);
    db.table<Row>().put({1, "x", 1});
  }
  stowage::database<stowage::sqlite> plain_path{path};
  CHECK(plain_path.table<Row>().count() == 1);
  CHECK_THROWS_AS(stowage::database<stowage::sqlite>("file:" + path + "?synchronous=sometimes"),
                  stowage::bad_input_error);
  CHECK_THROWS_AS(stowage::database<stowage::sqlite>("file:/nonexistent-dir/x.db"), stowage::unavailable_error);
}

TEST_CASE("a row that does not decode is a corrupt error naming the record, key and field") {
  stowage::database<stowage::sqlite> db{":memory:"};
  auto rows = db.table<Row>();
  rows.put({1, "fine", 1});
  rows.put({2, "bad", 2});
  sqlite3_exec(db.backend().native_handle(), "UPDATE \"Row\" SET \"n\" = 'not a number' WHERE \"id\" = 2", nullptr,
               nullptr, nullptr);
  CHECK(rows.get(1)->name == "fine");
  try {
    (void)rows.get(2);
    FAIL("a corrupt row decoded");
  } catch (const stowage::corrupt_error& e) {
    CHECK(e.record() == "Row");
    CHECK(e.key() == "2");
    CHECK_THAT(e.what(), Catch::Contains("'n'") && Catch::Contains("text"));
  }
  try {
    for (const Row& r : rows.query().order_by<&Row::id>()) (void)r;
    FAIL("a corrupt row decoded in a query");
  } catch (const stowage::corrupt_error& e) {
    CHECK(e.key() == "2");
  }
}

TEST_CASE("a file that is not a database is reported as corrupt") {
  auto path = temp_db("stowage-notadb");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs("this is not an SQLite database, just some text that is long enough to be read as a header....", f);
    std::fclose(f);
  }
  try {
    stowage::database<stowage::sqlite> db{"file:" + path};
    (void)db.table<Row>();
    FAIL("opened a file that is not a database");
  } catch (const stowage::error& e) {
    CHECK(e.kind() == stowage::error_kind::corrupt);
  }
  std::filesystem::remove(path);
}

namespace {
struct Reading {
  BOOST_HANA_DEFINE_STRUCT(Reading, (std::int64_t, id), (double, value), (std::optional<float>, spare));
};
}  // namespace

TEST_CASE("doubles go into BLOB-affinity columns; tables whose doubles were declared REAL still work") {
  const std::string path = temp_db("stowage-real-columns");
  {
    // a table as stowage 0.1.0 created it
    stowage::database<stowage::sqlite> db{"file:" + path};
    sqlite3_exec(db.backend().native_handle(),
                 "CREATE TABLE \"Reading\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"value\" REAL NOT NULL, "
                 "\"spare\" REAL)",
                 nullptr, nullptr, nullptr);
    auto old = db.table<Reading>();
    old.put({1, 2.5, 1.5f});
    old.put({2, -0.0, -0.0f});
    CHECK(old.get(1)->value == 2.5);
    CHECK(*old.get(1)->spare == 1.5f);
    CHECK(old.get(2)->value == 0.0);  // REAL affinity stored it as the integer 0: the sign is gone
    CHECK(old.count(stowage::where<&Reading::value> > 1.0) == 1);
  }
  {
    stowage::database<stowage::sqlite> db{":memory:"};
    auto fresh = db.table<Reading>();
    fresh.put({2, -0.0, -0.0f});
    CHECK(std::signbit(fresh.get(2)->value));
    CHECK(std::signbit(*fresh.get(2)->spare));
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db.backend().native_handle(),
                       "SELECT type FROM pragma_table_info('Reading') WHERE name = 'value'", -1, &st, nullptr);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "REAL_BLOB");
    sqlite3_finalize(st);
  }
  for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}
