// Inputs the fuzzers (tests/fuzz) once got past the checks: URL parameters, NUL bytes in URLs,
// a json_dir store laid out wrongly, and integers in JSON columns that do not fit their field.
// Each must be refused with a stowage::error of the right kind, never wrapped or let through.
#include <catch2/catch.hpp>
#include <stowage/json.hpp>
#include <stowage/json_dir.hpp>
#include <stowage/sqlite.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {
struct Note {
  BOOST_HANA_DEFINE_STRUCT(Note, (std::int64_t, id), (std::string, text));
};

struct Sizes {
  BOOST_HANA_DEFINE_STRUCT(Sizes,
    (std::int8_t, i8), (std::uint16_t, u16), (std::int32_t, i32), (std::int64_t, i64), (std::uint64_t, u64));
};

struct Holder {
  BOOST_HANA_DEFINE_STRUCT(Holder, (std::int64_t, id), (Sizes, sizes), (std::vector<Sizes>, list));
};

fs::path fresh_dir(const char* name) {
  auto p = fs::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p;
}

std::int64_t pragma(stowage::database<stowage::sqlite>& db, const char* name) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db.backend().native_handle(), (std::string("PRAGMA ") + name).c_str(), -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  std::int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/// The error a URL is refused with; fails the test when the store opens.
template <class Backend>
stowage::error refusal(const std::string& url) {
  try {
    stowage::database<Backend> db(url);
  } catch (const stowage::error& e) {
    return e;
  }
  FAIL("the URL was accepted: " << url);
  throw std::logic_error("unreachable");
}
}  // namespace

TEST_CASE("a sqlite busy_timeout that is no number of milliseconds from 0 to INT_MAX is refused, naming it") {
  for (std::string value : {"soon", "99999999999999999999", "2147483648", "-1", "", "12ms", " 12", "+12"}) {
    for (std::string url :
         {"file::memory:?busy_timeout=" + value, "sqlite::memory:?mode=memory&busy_timeout=" + value}) {
      INFO(url);
      auto e = refusal<stowage::sqlite>(url);
      CHECK(e.kind() == stowage::error_kind::bad_input);
      CHECK_THAT(e.what(), Catch::Contains("busy_timeout") && Catch::Contains("from 0 to 2147483647") &&
                               Catch::Contains("\"" + value + "\""));
    }
  }
  // the parameter alone, without '=', is an empty value to SQLite
  CHECK(refusal<stowage::sqlite>("file::memory:?busy_timeout").kind() == stowage::error_kind::bad_input);
}

TEST_CASE("stowage's sqlite parameters are read from in-memory URLs as from file URLs") {
  {
    stowage::database<stowage::sqlite> db("file::memory:?busy_timeout=1234&synchronous=off");
    CHECK(pragma(db, "busy_timeout") == 1234);
    CHECK(pragma(db, "synchronous") == 0);
  }
  {
    // SQLite decodes %HH in names and values; so does stowage, to see the same parameters
    stowage::database<stowage::sqlite> db("file::memory:?busy%5ftimeout=0&synchronous=n%6Frmal");
    CHECK(pragma(db, "busy_timeout") == 0);
    CHECK(pragma(db, "synchronous") == 1);
  }
  {
    stowage::database<stowage::sqlite> db("file::memory:?busy_timeout=2147483647");
    CHECK(pragma(db, "busy_timeout") == 2147483647);
    CHECK(pragma(db, "synchronous") == 2);  // the default, full
  }
  auto e = refusal<stowage::sqlite>("file::memory:?synchronous=sometimes");
  CHECK(e.kind() == stowage::error_kind::bad_input);
  CHECK_THAT(e.what(), Catch::Contains("synchronous must be off, normal or full, not \"sometimes\""));
  // a file URL is refused before anything is created
  auto dir = fresh_dir("stowage-url-checks");
  fs::create_directories(dir);
  CHECK(refusal<stowage::sqlite>("file:" + (dir / "x.db").string() + "?synchronous=sometimes").kind() ==
        stowage::error_kind::bad_input);
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST_CASE("a NUL byte in a sqlite URL is refused: SQLite would open the name cut short") {
  using namespace std::string_literals;
  auto e = refusal<stowage::sqlite>("file::memory:?busy_timeout=1\0junk"s);
  CHECK(e.kind() == stowage::error_kind::bad_input);
  CHECK_THAT(e.what(), Catch::Contains("1\\0junk") && Catch::Contains("NUL byte"));
}

TEST_CASE("a NUL byte in a json_dir URL is a bad input error naming the whole URL") {
  using namespace std::string_literals;
  auto dir = fresh_dir("stowage-nul-url");
  fs::create_directories(dir / "store");
  auto url = "dir:"s + dir.string() + "/store\0more"s;
  auto e = refusal<stowage::json_dir>(url);
  CHECK(e.kind() == stowage::error_kind::bad_input);
  CHECK_THAT(e.what(), Catch::Contains(dir.string() + "/store\\0more") && Catch::Contains("NUL byte"));
  // nothing was made in the directory the system would have seen
  CHECK(fs::is_empty(dir / "store"));
  fs::remove_all(dir);
}

TEST_CASE("a json_dir store laid out otherwise than a store, or named too long, is no internal error") {
  auto dir = fresh_dir("stowage-bad-layout");
  SECTION("a directory where the lock file belongs is unavailable") {
    fs::create_directories(dir / ".lock");
    auto e = refusal<stowage::json_dir>("dir:" + dir.string());
    CHECK(e.kind() == stowage::error_kind::unavailable);
    CHECK_THAT(e.what(), Catch::Contains(".lock"));
  }
  SECTION("a file where a table's directory belongs is unavailable") {
    fs::create_directories(dir);
    std::ofstream(dir / "^note") << "not a directory\n";
    stowage::database<stowage::json_dir> db("dir:" + dir.string());
    try {
      (void)db.table<Note>();
      FAIL("a table opened over a file");
    } catch (const stowage::error& e) {
      CHECK(e.kind() == stowage::error_kind::unavailable);
      CHECK_THAT(e.what(), Catch::Contains("^note"));
    }
  }
  SECTION("a directory name longer than the system allows is bad input") {
    auto e = refusal<stowage::json_dir>("dir:" + (dir / std::string(300, 'n')).string());
    CHECK(e.kind() == stowage::error_kind::bad_input);
  }
  fs::remove_all(dir);
}

TEST_CASE("an integer in a JSON column that does not fit its member is a corrupt error naming the member") {
  stowage::database<stowage::sqlite> db(":memory:");
  auto rows = db.table<Holder>();
  rows.put({1, {}, {}});
  auto stored = [&](const std::string& sizes, const std::string& list = "[]") {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db.backend().native_handle(), "UPDATE \"Holder\" SET \"sizes\" = ?1, \"list\" = ?2", -1, &st,
                       nullptr);
    sqlite3_bind_text(st, 1, sizes.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, list.c_str(), -1, SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
  };
  auto refused = [&](const std::string& member, const std::string& number) {
    try {
      (void)rows.get(1);
      FAIL("an integer out of range decoded");
    } catch (const stowage::corrupt_error& e) {
      CHECK(e.record() == "Holder");
      CHECK(e.key() == "1");
      CHECK_THAT(e.what(), Catch::Contains("member '" + member + "'") && Catch::Contains(number) &&
                               Catch::Contains("does not fit"));
    }
  };
  for (auto [member, number] : std::vector<std::pair<std::string, std::string>>{{"i8", "1000"},
                                                                                {"i8", "-129"},
                                                                                {"u16", "-1"},
                                                                                {"u16", "65536"},
                                                                                {"i32", "2147483648"},
                                                                                {"i64", "9223372036854775808"},
                                                                                {"i64", "18446744073709551615"},
                                                                                {"u64", "-1"},
                                                                                {"u64", "-9223372036854775808"}}) {
    INFO(member << " = " << number);
    stored("{\"" + member + "\":" + number + "}");
    refused(member, number);
  }
  // inside a vector's element too
  stored("{}", "[{\"i8\":1},{\"i8\":128}]");
  refused("i8", "128");
  // the extremes of each type decode to themselves
  stored(R"({"i8":-128,"u16":65535,"i32":-2147483648,"i64":-9223372036854775808,"u64":18446744073709551615})",
         R"([{"i8":127,"i64":9223372036854775807,"u64":0}])");
  auto back = rows.get(1);
  REQUIRE(back);
  CHECK(back->sizes.i8 == -128);
  CHECK(back->sizes.u16 == 65535);
  CHECK(back->sizes.i32 == std::numeric_limits<std::int32_t>::min());
  CHECK(back->sizes.i64 == std::numeric_limits<std::int64_t>::min());
  CHECK(back->sizes.u64 == std::numeric_limits<std::uint64_t>::max());
  REQUIRE(back->list.size() == 1);
  CHECK(back->list[0].i8 == 127);
  CHECK(back->list[0].i64 == std::numeric_limits<std::int64_t>::max());
  // and what decodes is written back the same
  rows.put(*back);
  CHECK(rows.get(1)->sizes.u64 == std::numeric_limits<std::uint64_t>::max());
}
