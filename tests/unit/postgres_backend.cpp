// The PostgreSQL backend beyond the conformance suite: URLs, the pool, prepared statements,
// streaming, isolation and conflicts. Runs against STOWAGE_TEST_PG_URL (scripts/with-pg).
#include <catch2/catch.hpp>
#include <stowage/blobs.hpp>
#include <stowage/postgres.hpp>

#include <poll.h>
#include <unistd.h>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <future>
#include <latch>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

struct counter {
  BOOST_HANA_DEFINE_STRUCT(counter, (std::string, id), (std::int64_t, value));
};

std::string server_url() {
  const char* url = std::getenv("STOWAGE_TEST_PG_URL");
  if (!url || !*url) throw std::runtime_error("STOWAGE_TEST_PG_URL is not set: run this test with scripts/with-pg");
  return url;
}

/// The test server's URL with a schema of the test's own and more parameters.
std::string url_with(const std::string& params = {}) {
  static std::atomic<int> n{0};
  std::string u = server_url();
  u += u.find('?') == std::string::npos ? "?" : "&";
  u += "schema=unit_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
  if (!params.empty()) u += "&" + params;
  return u;
}

/// Runs a query on a connection the backend lends and returns the first value as text.
std::string ask(stowage::database<stowage::postgres>& db, const char* sql) {
  auto lease = db.backend().connection();
  PGresult* r = PQexec((*lease).conn, sql);
  std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  return out;
}

std::vector<counter> counters(int n) {
  std::vector<counter> out;
  for (int i = 0; i < n; ++i) out.push_back({"c" + std::to_string(i), i});
  return out;
}

}  // namespace

TEST_CASE("postgres refuses malformed URLs as bad input", "[postgres]") {
  using db = stowage::database<stowage::postgres>;
  CHECK_THROWS_AS(db("mysql://localhost/x"), stowage::bad_input_error);
  CHECK_THROWS_WITH(db(server_url() + "&pool_size=many"), Catch::Contains("pool_size"));
  CHECK_THROWS_WITH(db(server_url() + "&pool_size=0"), Catch::Contains("pool_size"));
  CHECK_THROWS_WITH(db(server_url() + "&isolation=chaos"), Catch::Contains("isolation"));
  CHECK_THROWS_AS(db("postgresql://u@localhost/db?no_such_option=1"), stowage::bad_input_error);
}

TEST_CASE("an unreachable server is unavailable, and the message hides the password", "[postgres]") {
  try {
    stowage::database<stowage::postgres> db("postgresql://someone:s3cret@127.0.0.1:1/db?connect_timeout=2");
    FAIL("connected to port 1");
  } catch (const stowage::unavailable_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("postgresql://someone:***@127.0.0.1:1/db"));
    CHECK_THAT(e.what(), !Catch::Contains("s3cret"));
  }
  try {
    stowage::database<stowage::postgres> db("postgresql://someone@127.0.0.1:1/db?password=s3cret&connect_timeout=2");
    FAIL("connected to port 1");
  } catch (const stowage::unavailable_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("password=***&connect_timeout=2"));
    CHECK_THAT(e.what(), !Catch::Contains("s3cret"));
  }
}

TEST_CASE("postgres works over the loopback port as over the unix socket", "[postgres]") {
  const char* tcp = std::getenv("STOWAGE_TEST_PG_TCP_URL");
  if (!tcp) {
    WARN("STOWAGE_TEST_PG_TCP_URL is not set (a server of your own): the loopback check is skipped");
    return;
  }
  stowage::database<stowage::postgres> db(std::string(tcp) + "?schema=unit_tcp_" + std::to_string(::getpid()));
  auto t = db.table<counter>();
  t.put({"tcp", 42});
  CHECK(t.get("tcp")->value == 42);
  CHECK(ask(db, "SELECT inet_server_addr()::text") == "127.0.0.1/32");
}

TEST_CASE("the pool never opens more connections than pool_size", "[postgres]") {
  const std::string app = "pool_test_" + std::to_string(::getpid());
  stowage::database<stowage::postgres> db(url_with("pool_size=2&pool_timeout=300&application_name=" + app));
  auto t = db.table<counter>();
  t.put_many(counters(2000));
  // a query being read holds its connection: two of them hold the whole pool
  auto q1 = t.query();
  auto q2 = t.query();
  auto it1 = q1.begin();
  auto it2 = q2.begin();
  REQUIRE(it1 != q1.end());
  REQUIRE(it2 != q2.end());
  CHECK_THROWS_WITH(t.get("c1"),
                    Catch::Contains("all 2 connections") && Catch::Contains("300 ms") && Catch::Contains("pool_size"));
  it1 = {};  // ends the first query and returns its connection
  CHECK(t.get("c1")->value == 1);
  // the pool waits for a connection that comes back in time
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    it2 = {};
  });
  auto q3 = t.query();
  auto it3 = q3.begin();
  CHECK(it3 != q3.end());
  it3 = {};
  later.join();
  // the server saw two connections of this pool at most
  auto lease = db.backend().connection();
  std::string sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'";
  PGresult* r = PQexec((*lease).conn, sql.c_str());
  CHECK(std::stoi(PQgetvalue(r, 0, 0)) <= 2);
  PQclear(r);
}

TEST_CASE("statements are prepared once per connection and reused", "[postgres]") {
  stowage::database<stowage::postgres> db(url_with("pool_size=1"));
  auto t = db.table<counter>();
  t.put_many(counters(10));
  for (int round = 0; round < 50; ++round) {
    REQUIRE(t.get("c3")->value == 3);
    REQUIRE(t.count(stowage::where<&counter::value> > 4) == 5);
  }
  auto prepared = std::stoi(ask(db, "SELECT count(*) FROM pg_prepared_statements"));
  CHECK(prepared == 3);  // the put put_many used, the get and the count, each once
}

TEST_CASE("a query inside a transaction reads through a server-side cursor", "[postgres]") {
  stowage::database<stowage::postgres> db(url_with());
  auto t = db.table<counter>();
  t.put_many(counters(3000));
  auto tx = db.transaction();
  std::size_t seen = 0;
  for (const counter& c : t.query().order_by<&counter::value>()) {
    if (seen == 0) CHECK(ask(db, "SELECT count(*) FROM pg_cursors") == "1");
    CHECK(c.value == static_cast<std::int64_t>(seen));
    if (seen % 1000 == 0) t.put({"written-while-reading-" + std::to_string(seen), -1});
    ++seen;
  }
  CHECK(seen == 3000);
  CHECK(ask(db, "SELECT count(*) FROM pg_cursors") == "0");
  tx.commit();
  CHECK(t.count() == 3003);
}

TEST_CASE("two serializable transactions writing one key: one conflict, no lost update", "[postgres]") {
  stowage::database<stowage::postgres> db(url_with());
  auto t = db.table<counter>();
  t.put({"shared", 0});
  std::latch both_read(2);
  std::latch first_committed(1);
  std::atomic<int> conflicts{0};
  auto increment = [&](bool first) {
    auto tx = db.transaction(stowage::isolation::serializable);
    auto c = t.get("shared");
    both_read.arrive_and_wait();
    if (!first) first_committed.wait();
    try {
      t.put({"shared", c->value + 1});
      tx.commit();
    } catch (const stowage::retryable_conflict& e) {
      CHECK(e.kind() == stowage::error_kind::conflict);
      CHECK_THAT(e.what(), Catch::Contains("serialize"));
      ++conflicts;
    }
    if (first) first_committed.count_down();
  };
  std::thread a(increment, true);
  std::thread b(increment, false);
  a.join();
  b.join();
  CHECK(conflicts == 1);
  CHECK(t.get("shared")->value == 1);

  // transact runs the loser again: both increments count
  std::latch again(2);
  std::atomic<int> runs{0};
  auto retried = [&] {
    stowage::transact(
        db,
        [&] {
          ++runs;
          auto c = t.get("shared");
          if (runs <= 2) again.arrive_and_wait();  // both read before either writes, the first time
          t.put({"shared", c->value + 1});
        },
        stowage::retry_options().attempts(5).level(stowage::isolation::serializable));
  };
  std::thread c(retried);
  std::thread d(retried);
  c.join();
  d.join();
  CHECK(t.get("shared")->value == 3);
  CHECK(runs == 3);
}

TEST_CASE("transact returns references as references and leaves nested conflicts to the outer one", "[postgres]") {
  stowage::database<stowage::postgres> db(url_with());
  auto t = db.table<counter>();
  t.put({"k", 1});
  counter kept{"kept", 7};
  counter& same = stowage::transact(db, [&]() -> counter& { return kept; });
  CHECK(&same == &kept);

  std::latch both_read(2);
  std::atomic<int> inner_runs{0}, outer_conflicts{0};
  auto nested_increment = [&] {
    try {
      auto outer = db.transaction(stowage::isolation::serializable);
      stowage::transact(db, [&] {
        ++inner_runs;
        auto c = t.get("k");
        both_read.arrive_and_wait();
        t.put({"k", c->value + 1});
      });
      outer.commit();
    } catch (const stowage::retryable_conflict&) {
      ++outer_conflicts;
    }
  };
  std::thread a(nested_increment);
  std::thread b(nested_increment);
  a.join();
  b.join();
  CHECK(inner_runs == 2);  // the nested transact did not run again
  CHECK(outer_conflicts == 1);
  CHECK(t.get("k")->value == 2);
  // keys of another type than the key's are converted
  CHECK(t.get_many({"k", "none"})[0]->value == 2);
  const char* raw_keys[] = {"none", "k"};
  CHECK(t.get_many(raw_keys)[1]);
}

TEST_CASE("a deadlock surfaces as a retryable conflict", "[postgres]") {
  stowage::database<stowage::postgres> db(url_with("isolation=read_committed"));
  auto t = db.table<counter>();
  t.put_many(std::vector<counter>{{"x", 0}, {"y", 0}});
  std::barrier both_locked(2);
  std::atomic<int> deadlocks{0}, commits{0};
  auto lock_both = [&](const char* first, const char* second) {
    try {
      auto tx = db.transaction();
      t.put({first, 1});
      both_locked.arrive_and_wait();
      t.put({second, 1});
      tx.commit();
      ++commits;
    } catch (const stowage::retryable_conflict& e) {
      CHECK_THAT(e.what(), Catch::Contains("deadlock"));
      ++deadlocks;
    }
  };
  std::thread a(lock_both, "x", "y");
  std::thread b(lock_both, "y", "x");
  a.join();
  b.join();
  CHECK(deadlocks == 1);
  CHECK(commits == 1);
}

TEST_CASE("read committed lets a transaction see what others committed meanwhile", "[postgres]") {
  stowage::database<stowage::postgres> db(url_with());
  auto t = db.table<counter>();
  t.put({"k", 1});
  {
    auto tx = db.transaction(stowage::isolation::repeatable_read);
    CHECK(t.get("k")->value == 1);
    std::thread([&] { t.put({"k", 2}); }).join();  // another thread: its own connection
    CHECK(t.get("k")->value == 1);                 // a snapshot
    tx.commit();
  }
  {
    auto tx = db.transaction(stowage::isolation::read_committed);
    CHECK(t.get("k")->value == 2);
    std::thread([&] { t.put({"k", 3}); }).join();
    CHECK(t.get("k")->value == 3);
    tx.commit();
  }
}

TEST_CASE("postgres names the field when a value does not fit its column", "[postgres]") {
  stowage::database<stowage::postgres> db(url_with());
  struct far_future {
    BOOST_HANA_DEFINE_STRUCT(far_future, (std::int64_t, id), (stowage::timestamp, at));
  };
  auto t = db.table<far_future>();
  // 146,000 years before 1970: PostgreSQL's times begin in 4713 BC
  far_future f{1, stowage::timestamp(std::chrono::microseconds(std::numeric_limits<std::int64_t>::min() / 2))};
  try {
    t.put(f);
    FAIL("a time beyond PostgreSQL's range was stored");
  } catch (const stowage::bad_input_error& e) {
    CHECK(e.key() == "1");
    CHECK_THAT(e.what(), Catch::Contains("range"));
  }
  CHECK(t.count() == 0);
}

TEST_CASE("a connection the server closed is lost even when its last words are still unread", "[postgres]") {
  stowage::detail::pg::connection gone, other;
  gone.conn = PQconnectdb(server_url().c_str());
  other.conn = PQconnectdb(server_url().c_str());
  REQUIRE(PQstatus(gone.conn) == CONNECTION_OK);
  REQUIRE(PQstatus(other.conn) == CONNECTION_OK);
  PQsetNoticeProcessor(
      gone.conn, [](void*, const char*) {}, nullptr);
  std::string kill = "SELECT pg_terminate_backend(" + std::to_string(PQbackendPID(gone.conn)) + ")";
  PQclear(PQexec(other.conn, kill.c_str()));
  // the server says FATAL, then closes; wait until both have surely arrived
  pollfd p{PQsocket(gone.conn), POLLIN, 0};
  REQUIRE(::poll(&p, 1, 5000) == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(PQstatus(gone.conn) == CONNECTION_OK);  // libpq has not looked: its status alone says nothing
  CHECK(stowage::detail::pg::connection_lost(gone));
  CHECK_FALSE(stowage::detail::pg::connection_lost(other));
}

TEST_CASE("a pooled connection killed by the server fails the next begin as unavailable, then heals", "[postgres]") {
  stowage::database<stowage::postgres> db(url_with("pool_size=1"));
  auto t = db.table<counter>();
  t.put({"a", 1});
  std::string pid = ask(db, "SELECT pg_backend_pid()");
  REQUIRE_FALSE(pid.empty());
  stowage::database<stowage::postgres> killer(url_with());
  ask(killer, ("SELECT pg_terminate_backend(" + pid + ")").c_str());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int attempt = 0;; ++attempt) {
    try {
      auto tx = db.transaction();
      t.put({"b", 2});
      tx.commit();
      break;
    } catch (const stowage::error& e) {
      INFO(e.what());
      CHECK(e.kind() == stowage::error_kind::unavailable);
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
      REQUIRE(attempt < 2);
    }
  }
  CHECK(t.get("b"));
}

TEST_CASE("a large put_many upserts whether the keys it looks up first exist or not", "[postgres]") {
  // put_many looks up a few keys of a large batch (the first among them) before choosing COPY
  // or the staging table; an existing or repeated key it did not look up makes the COPY fail,
  // and the batch then goes through the staging table all the same
  stowage::database<stowage::postgres> db(url_with());
  auto t = db.table<counter>();
  t.put_many(counters(300));
  auto batch = [](int from, int to, std::int64_t value) {
    std::vector<counter> out;
    for (int i = from; i < to; ++i) out.push_back({"c" + std::to_string(i), value});
    return out;
  };
  SECTION("every key exists") {
    t.put_many(batch(0, 300, -7));
    CHECK(t.count() == 300);
    CHECK(t.count(stowage::where<&counter::value> == -7) == 300);
  }
  SECTION("one existing key among new ones, not the first") {
    auto b = batch(1000, 1200, -8);
    b[13] = {"c5", -8};  // in place of c1013
    t.put_many(b);
    CHECK(t.count() == 499);
    CHECK(t.get("c5")->value == -8);
    CHECK(t.get("c1199")->value == -8);
    CHECK_FALSE(t.get("c1013"));
  }
  SECTION("new keys, one of them twice: the last record of it stays") {
    auto b = batch(1000, 1200, -9);
    b.push_back({"c1013", -10});
    t.put_many(b);
    CHECK(t.count() == 500);
    CHECK(t.get("c1013")->value == -10);
  }
  SECTION("inside a transaction, rolled back") {
    auto tx = db.transaction();
    t.put_many(batch(0, 400, -11));
    CHECK(t.count() == 400);
    tx.rollback();
    CHECK(t.count() == 300);
    CHECK(t.count(stowage::where<&counter::value> == -11) == 0);
  }
}

namespace {
struct note {
  BOOST_HANA_DEFINE_STRUCT(note, (std::string, id), (std::string, text), (std::int64_t, n));
};
}  // namespace

TEST_CASE("put_many's COPY carries texts larger than its buffer and batches of several chunks", "[postgres]") {
  // the COPY buffer is sized for a chunk of small rows: a text larger than it makes room
  // mid-row, and a batch of many rows is sent in several chunks; every value comes back whole
  stowage::database<stowage::postgres> db(url_with());
  auto t = db.table<note>();
  std::vector<note> batch;
  for (int i = 0; i < 3000; ++i) {
    // appended, not added: g++ 12 at -O3 warns falsely on a sum of strings
    std::string text = std::to_string(i);
    text.append(static_cast<std::size_t>(i % 200), 'x');
    if (i == 1500) {
      text.append(700'000, 'y');
      text += "\xc3\xa9";  // and last bytes past ASCII
    }
    std::string id = "k";  // appended: g++ 12 at -O3 warns falsely on "k" + std::to_string
    id += std::to_string(i);
    batch.push_back({std::move(id), std::move(text), i});
  }
  t.put_many(batch);
  REQUIRE(t.count() == 3000);
  for (std::size_t i : {0, 1, 1499, 1500, 1501, 2999}) {
    auto got = t.get(batch[i].id);
    REQUIRE(got);
    CHECK(got->text == batch[i].text);
    CHECK(got->n == batch[i].n);
  }
}

namespace {
struct reading {
  BOOST_HANA_DEFINE_STRUCT(reading, (std::int64_t, id), (std::string, label), (double, value), (bool, ok),
                           (stowage::timestamp, at), (std::int32_t, small));
};
}  // namespace

TEST_CASE("put_many's COPY stores each field type as a single put does, and refuses what a put refuses", "[postgres]") {
  // a batch this large goes by COPY, which writes the commonest field types straight from the
  // record and the others through their codecs
  stowage::database<stowage::postgres> db(url_with());
  auto t = db.table<reading>();
  auto make = [](std::int64_t i) {
    std::string label = i % 3 == 0 ? std::string("caf\xc3\xa9 ").append(std::to_string(i))
                                   : std::string(static_cast<std::size_t>(i % 17), 'a');
    return reading{i * 1'000'000'007 - 500'000'000'000,
                   std::move(label),
                   i % 5 == 0 ? -1.5e300 : 0.25 * static_cast<double>(i),
                   i % 2 == 0,
                   stowage::timestamp(std::chrono::microseconds(i * 86'400'000'123 - 1'000'000'000'000'000)),
                   static_cast<std::int32_t>(-i)};
  };
  std::vector<reading> batch;
  for (std::int64_t i = 0; i < 200; ++i) batch.push_back(make(i));
  t.put_many(batch);
  REQUIRE(t.count() == 200);
  for (const reading& r : batch) {
    auto got = t.get(r.id);
    REQUIRE(got);
    CHECK(got->label == r.label);
    CHECK(got->value == r.value);
    CHECK(got->ok == r.ok);
    CHECK(got->at == r.at);
    CHECK(got->small == r.small);
  }

  std::vector<reading> bad;
  for (std::int64_t i = 1000; i < 1200; ++i) bad.push_back(make(i));
  SECTION("a NaN") {
    bad[150].value = std::numeric_limits<double>::quiet_NaN();
    try {
      t.put_many(bad);
      FAIL("NaN was stored");
    } catch (const stowage::bad_input_error& e) {
      CHECK_THAT(e.what(), Catch::Contains("'value'") && Catch::Contains("NaN"));
    }
  }
  SECTION("a time PostgreSQL cannot store") {
    bad[150].at = stowage::timestamp::min();  // long before 4713 BC
    try {
      t.put_many(bad);
      FAIL("the time was stored");
    } catch (const stowage::bad_input_error& e) {
      CHECK_THAT(e.what(), Catch::Contains("'at'") && Catch::Contains("range"));
    }
  }
  SECTION("text with a NUL byte") {
    bad[150].label = std::string("a\0b", 3);
    try {
      t.put_many(bad);
      FAIL("the NUL byte was stored");
    } catch (const stowage::bad_input_error& e) {
      CHECK_THAT(e.what(), Catch::Contains("'label'") && Catch::Contains("NUL"));
    }
  }
  CHECK(t.count() == 200);  // nothing of the refused batch
}

TEST_CASE("JSON text holds a NUL only where \\u0000 follows an even number of backslashes", "[postgres]") {
  using stowage::detail::pg::json_has_nul;
  CHECK(json_has_nul(R"("\u0000")"));
  CHECK(json_has_nul(R"({"a":"x\\\u0000"})"));  // an escaped backslash, then the NUL
  CHECK(json_has_nul(R"(["ok", "\u0000\u0000"])"));
  CHECK_FALSE(json_has_nul(R"("\\u0000")"));    // a backslash, then the text u0000
  CHECK(json_has_nul(R"("\\u0000 \u00001")"));  // the second one
  CHECK_FALSE(json_has_nul(R"({"u0000": "\u0001"})"));
  CHECK_FALSE(json_has_nul(""));
}

TEST_CASE("the ASCII prefix check settles text of any length and finds the first byte that is not plain",
          "[postgres]") {
  using stowage::detail::pg::plain_ascii_prefix;
  for (std::size_t n = 0; n <= 26; ++n) {
    std::string s(n, 'a');
    CHECK(plain_ascii_prefix(s) == n);
    for (std::size_t at = 0; at < n; ++at) {
      for (char bad : {'\0', '\x80', '\xc3', '\xff'}) {
        std::string t = s;
        t[at] = bad;
        // a word of eight holding the byte ends the prefix at its start at the latest
        std::size_t plain = plain_ascii_prefix(t);
        CHECK(plain <= at);
        CHECK(plain >= at / 8 * 8);
      }
    }
  }
}

TEST_CASE("two connections storing the same content-addressed blob at once both get its one copy", "[postgres]") {
  // The writer that checks second finds nothing yet (the first has not committed): its insert
  // waits for the first, then meets the id the first stored, and must answer with that copy.
  stowage::database<stowage::postgres> db(url_with());
  stowage::blob_store blobs{db, {.chunk_size = 4096, .content_addressed = true}};
  const std::string text = std::string(3 * 4096, 'x') + "the end";
  const std::vector<std::string> content{text.substr(0, 5000), text.substr(5000)};
  stowage::blob_info first;
  std::future<stowage::blob_info> second;
  {
    auto tx = db.transaction();
    first = blobs.write(content);
    second = std::async(std::launch::async, [&] { return blobs.write(content); });
    // the other thread's write has checked for the id and now waits for this commit
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    tx.commit();
  }
  stowage::blob_info b = second.get();  // before the fix: a conflict_error
  CHECK(b.id == first.id);
  CHECK(b.sha256 == first.sha256);
  stowage::bytes stored = blobs.read(first.id);
  CHECK(std::string(reinterpret_cast<const char*>(stored.data()), stored.size()) == text);
  CHECK(ask(db, "SELECT count(*) FROM stowage_blobs") == "1");
  CHECK(ask(db, "SELECT count(*) FROM stowage_blob_chunks") == "4");  // three full chunks and a short one, once
}
