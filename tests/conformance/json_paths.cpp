// Predicates inside JSON fields have one meaning on every backend (query/json_path.hpp): a path
// that leads nowhere is null, numbers compare numerically and never equal strings, booleans equal
// only booleans, ordering holds between numbers or between strings (bytewise), and every test is
// true or false, so that ! negates it exactly.
#include <catch2/catch.hpp>

#include <limits>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;
using stowage::where;

namespace {

struct shipment {
  BOOST_HANA_DEFINE_STRUCT(shipment, (std::string, carrier), (std::vector<int>, boxes));
};

struct event {
  BOOST_HANA_DEFINE_STRUCT(event,
    (std::int64_t, id),
    (nlohmann::json, payload),
    (std::optional<nlohmann::json>, extra),
    (shipment, ship),
    (std::vector<std::string>, tags),
    (std::string, name));
};

using ids_t = std::vector<std::int64_t>;

template <class Q>
ids_t sorted_ids(const Q& q) {
  ids_t v;
  for (const event& e : q) v.push_back(e.id);
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<event> events() {
  using nlohmann::json;
  return {
      {1,
       json::parse(R"({"order": {"id": 17, "total": 2.5}, "status": "paid", "ok": true})"),
       json{{"n", 1}},
       {"ups", {3, 4}},
       {"a", "b"},
       "one"},
      {2,
       json::parse(R"({"order": {"id": 17.0, "total": 10}, "status": "new", "ok": false})"),
       std::nullopt,
       {"dhl", {}},
       {},
       "two"},
      {3,
       json::parse(R"({"order": {"id": "17"}, "status": null, "ok": 1})"),
       json::parse("[null]"),
       {"", {5}},
       {"b"},
       "three"},
      {4,
       json::parse(R"({"order": {"id": 18, "lines": [{"sku": "x"}, {"sku": "y"}]}, "a/b": 1, "m~n": 2,
                         "0": "zero", "01": "lead", "-1": "minus", "é": "accent", "q\\t": "tab", "s": "éa"})"),
       json::parse(R"([10, 20])"),
       {"ups", {1}},
       {"c"},
       "four"},
      {5, json::parse(R"([1, [2, "two"], {"0": "object"}])"), json::parse(R"({"n": [0, {"0": 7}]})"), {}, {}, "five"},
  };
}

}  // namespace

template <>
struct stowage::record_traits<event> {
  static constexpr std::string_view table = "json_events";
};

TEMPLATE_LIST_TEST_CASE("json paths: equality compares numbers numerically and keeps kinds apart",
                        "[conformance][query][json]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<event>();
  t.put_many(events());

  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") == 17)) == ids_t{1, 2});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") == 17.0)) == ids_t{1, 2});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") == "17")) == ids_t{3});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") != 17)) == ids_t{3, 4, 5});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/total") == 10.0)) == ids_t{2});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/total") == 2.5)) == ids_t{1});
  // booleans equal booleans only: 1 is no true
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/ok") == true)) == ids_t{1});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/ok") == false)) == ids_t{2});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/ok") == 1)) == ids_t{3});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status") == "paid")) == ids_t{1});
  // an object or an array equals no value
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order") == 17)).empty());
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order") == nullptr)) == ids_t{5});
  // a JSON value as the operand
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status") == nlohmann::json("new"))) == ids_t{2});
  CHECK_THROWS_AS(where<&event::payload>.at("/status") == nlohmann::json::array(), stowage::bad_input_error);
  // JSON numbers are finite: NaN and the infinities are refused, on every backend alike
  CHECK_THROWS_AS(where<&event::payload>.at("/n") < std::numeric_limits<double>::infinity(), stowage::bad_input_error);
  CHECK_THROWS_AS(where<&event::payload>.at("/n") > -std::numeric_limits<float>::infinity(), stowage::bad_input_error);
  CHECK_THROWS_AS(where<&event::payload>.at("/n") == std::numeric_limits<double>::quiet_NaN(),
                  stowage::bad_input_error);
  // a text value is checked as text fields' values are: PostgreSQL refuses NUL bytes
  auto nul = where<&event::payload>.at("/status") == std::string("pa\0id", 5);
  if constexpr (TestType::nul_in_text)
    CHECK(t.count(nul) == 0);
  else
    CHECK_THROWS_AS(t.count(nul), stowage::bad_input_error);
}

TEMPLATE_LIST_TEST_CASE("json paths: a missing path is null, and exists() is true for a present null",
                        "[conformance][query][json]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<event>();
  t.put_many(events());

  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status") == nullptr)) == ids_t{3, 4, 5});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status") != nullptr)) == ids_t{1, 2});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status").exists())) == ids_t{1, 2, 3});
  CHECK(sorted_ids(t.query(!where<&event::payload>.at("/status").exists())) == ids_t{4, 5});
  // an absent document (an empty optional) is a missing path everywhere
  CHECK(sorted_ids(t.query(where<&event::extra>.at("/n") == nullptr)) == ids_t{2, 3, 4});
  CHECK(sorted_ids(t.query(where<&event::extra>.at("").exists())) == ids_t{1, 3, 4, 5});
  CHECK(sorted_ids(t.query(where<&event::extra>.at("") == nullptr)) == ids_t{2});
  CHECK(sorted_ids(t.query(where<&event::extra>.at("/0") == nullptr)) == ids_t{1, 2, 3, 5});
  CHECK(sorted_ids(t.query(where<&event::extra>.at("/0").exists())) == ids_t{3, 4});
  // a test is never unknown: ! of a comparison on an absent document holds
  CHECK(sorted_ids(t.query(!(where<&event::extra>.at("/n") == 1))) == ids_t{2, 3, 4, 5});
  CHECK(sorted_ids(t.query(where<&event::extra>.at("/n") == 1)) == ids_t{1});
}

TEMPLATE_LIST_TEST_CASE("json paths: ordering holds between numbers or between strings only",
                        "[conformance][query][json]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<event>();
  t.put_many(events());

  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") < 18)) == ids_t{1, 2});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") <= 18)) == ids_t{1, 2, 4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") > 17.5)) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") >= 17)) == ids_t{1, 2, 4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") >= "0")) == ids_t{3});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status") < "p")) == ids_t{2});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status") > "new")) == ids_t{1});
  // bytewise: "é" (C3 A9) sorts after every ASCII letter, whatever the server's collation says
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/s") > "z")) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/é") < "b")) == ids_t{4});
  // booleans and null are not ordered
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/ok") >= false)).empty());
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status") <= nullptr)).empty());
  CHECK(sorted_ids(t.query(!(where<&event::payload>.at("/order/id") < 18))) == ids_t{3, 4, 5});
}

TEMPLATE_LIST_TEST_CASE("json paths: pointers escape names, index arrays and reach nested structs and vectors",
                        "[conformance][query][json]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<event>();
  t.put_many(events());

  CHECK(sorted_ids(t.query(where<&event::payload>.at("/a~1b") == 1)) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/m~0n") == 2)) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/q\\t") == "tab")) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/lines/1/sku") == "y")) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/lines/2/sku").exists())).empty());
  // "0" names an array's first element or an object's member "0"
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/0") == 1)) == ids_t{5});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/0") == "zero")) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/1/1") == "two")) == ids_t{5});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/2/0") == "object")) == ids_t{5});
  CHECK(sorted_ids(t.query(where<&event::extra>.at("/n/1/0") == 7)) == ids_t{5});
  // "01" and "-1" are names, never array indexes
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/01") == "lead")) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/-1") == "minus")) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::extra>.at("/01").exists())).empty());
  CHECK(sorted_ids(t.query(where<&event::extra>.at("/-1").exists())).empty());
  CHECK(sorted_ids(t.query(where<&event::extra>.at("/1") == 20)) == ids_t{4});
  // nested structs and vectors are JSON too
  CHECK(sorted_ids(t.query(where<&event::ship>.at("/carrier") == "ups")) == ids_t{1, 4});
  CHECK(sorted_ids(t.query(where<&event::ship>.at("/boxes/0") > 2)) == ids_t{1, 3});
  CHECK(sorted_ids(t.query(where<&event::tags>.at("/0") == "b")) == ids_t{3});
  CHECK(sorted_ids(t.query(where<&event::tags>.at("/1").exists())) == ids_t{1});
}

TEMPLATE_LIST_TEST_CASE("json paths: integers beyond int64 and large doubles compare exactly on every backend",
                        "[conformance][query][json]", conformance_backends) {
  using nlohmann::json;
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max(), two63 = std::uint64_t{1} << 63;
  constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();
  store<TestType> s;
  auto t = s->template table<event>();
  std::vector<event> docs(6);
  for (std::int64_t i = 0; i < 6; ++i) docs[static_cast<std::size_t>(i)].id = i + 1;
  docs[0].payload = json{{"n", max}};
  docs[1].payload = json{{"n", two63}};
  docs[2].payload = json{{"n", int_max}};
  docs[3].payload = json{{"n", 9223372036854775808.0}};  // written 9.223372036854776e+18
  docs[4].payload = json{{"n", -5}};
  docs[5].payload = json{{"n", "18446744073709551615"}};
  t.put_many(docs);
  auto n = where<&event::payload>.at("/n");

  CHECK(sorted_ids(t.query(n == max)) == ids_t{1});
  CHECK(sorted_ids(t.query(n == two63)) == ids_t{2});
  CHECK(sorted_ids(t.query(n == json(max))) == ids_t{1});
  CHECK(sorted_ids(t.query(n != max)) == ids_t{2, 3, 4, 5, 6});
  CHECK(sorted_ids(t.query(n > two63)) == ids_t{1, 4});
  CHECK(sorted_ids(t.query(n >= two63)) == ids_t{1, 2, 4});
  CHECK(sorted_ids(t.query(n < two63)) == ids_t{3, 5});
  CHECK(sorted_ids(t.query(n > int_max)) == ids_t{1, 2, 4});
  CHECK(sorted_ids(t.query(n == int_max)) == ids_t{3});
  CHECK(sorted_ids(t.query(n.in({max, -5}))) == ids_t{1, 5});
  // a double operand is the decimal of fewest digits that reads back as it, as a stored double
  // is written: 2^64 is 1.8446744073709552e19, above every uint64, and 2^63 is
  // 9.223372036854776e18, which the stored double is and the integer 2^63 is not
  CHECK(sorted_ids(t.query(n >= 18446744073709551616.0)).empty());
  CHECK(sorted_ids(t.query(n < 18446744073709551616.0)) == ids_t{1, 2, 3, 4, 5});
  CHECK(sorted_ids(t.query(n == 9223372036854775808.0)) == ids_t{4});
  CHECK(t.count(n <= -5.0) == 1);
}

TEMPLATE_LIST_TEST_CASE("json paths: a deep path of tokens that may be array indexes or names is answered",
                        "[conformance][query][json]", conformance_backends) {
  // each "0" may step into an array or to a member "0": 40 of them must cost no more than 40 names
  using nlohmann::json;
  constexpr int depth = 40;
  json arrays = 7, objects = 7, mixed = 7, short_by_one = 7;
  for (int i = 0; i < depth; ++i) {
    arrays = json::array({arrays});
    objects = json{{"0", objects}};
    mixed = i % 2 ? json{{"0", mixed}} : json::array({mixed});
    if (i + 1 < depth) short_by_one = json::array({short_by_one});
  }
  store<TestType> s;
  auto t = s->template table<event>();
  std::vector<event> docs(4);
  for (std::int64_t i = 0; i < 4; ++i) docs[static_cast<std::size_t>(i)].id = i + 1;
  docs[0].payload = arrays;
  docs[1].payload = objects;
  docs[2].payload = mixed;
  docs[3].payload = short_by_one;
  t.put_many(docs);

  std::string path;
  for (int i = 0; i < depth; ++i) path += "/0";
  CHECK(sorted_ids(t.query(where<&event::payload>.at(path) == 7)) == ids_t{1, 2, 3});
  CHECK(sorted_ids(t.query(where<&event::payload>.at(path) >= 7.0)) == ids_t{1, 2, 3});
  CHECK(sorted_ids(t.query(where<&event::payload>.at(path) != 7)) == ids_t{4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at(path).in({6, 7}))) == ids_t{1, 2, 3});
  CHECK(sorted_ids(t.query(where<&event::payload>.at(path).exists())) == ids_t{1, 2, 3});
  CHECK(sorted_ids(t.query(where<&event::payload>.at(path + "/0").exists())).empty());
  CHECK(t.count(where<&event::payload>.at(path) == nullptr) == 1);
}

TEMPLATE_LIST_TEST_CASE("json paths: in(), combinations, counts and erase by predicate", "[conformance][query][json]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<event>();
  t.put_many(events());

  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id").in({18, "17"}))) == ids_t{3, 4});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status").in({nullptr, "paid"}))) == ids_t{1, 3, 4, 5});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/status").in({}))).empty());
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/order/id") == 17 && where<&event::name> == "two")) == ids_t{2});
  CHECK(sorted_ids(t.query(where<&event::payload>.at("/ok") == true || where<&event::tags>.at("/0") == "c")) ==
        ids_t{1, 4});
  CHECK(t.count(where<&event::payload>.at("/order/id") == 17) == 2);
  CHECK(t.erase(where<&event::payload>.at("/order/id") == 17) == 2);
  CHECK(sorted_ids(t.query(where<&event::payload>.at("").exists())) == ids_t{3, 4, 5});
}

TEST_CASE("json paths: a pointer that is none is bad input naming the field", "[conformance][query][json]") {
  for (const char* p : {"order", "/a~2", "/a~", "/a\"b"}) {
    try {
      (void)(where<&event::payload>.at(p) == 1);
      FAIL("accepted " << p);
    } catch (const stowage::bad_input_error& e) {
      CHECK_THAT(e.what(), Catch::Contains("payload"));
    }
  }
}

namespace {

// One table read first without, then with indexes on JSON paths (one whose names need quoting).
struct order_v1 {
  BOOST_HANA_DEFINE_STRUCT(order_v1, (std::int64_t, id), (nlohmann::json, payload));
};
struct order_v2 {
  BOOST_HANA_DEFINE_STRUCT(order_v2, (std::int64_t, id), (nlohmann::json, payload));
};
struct order_bad {
  BOOST_HANA_DEFINE_STRUCT(order_bad, (std::int64_t, id), (nlohmann::json, payload));
};

#ifdef STOWAGE_TEST_POSTGRES
/// The index definitions of a table in the test's schema.
std::vector<std::string> pg_index_definitions(const std::string& schema, const std::string& table) {
  PGconn* c = PQconnectdb(pg_test_url().c_str());
  const char* params[] = {schema.c_str(), table.c_str()};
  PGresult* r = PQexecParams(c, "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2", 2, nullptr,
                             params, nullptr, nullptr, 0);
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
  PQclear(r);
  PQfinish(c);
  return out;
}
#endif

/// The rows of a statement on a SQLite connection, each row's columns joined by '|'.
std::vector<std::string> sqlite_rows(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  std::vector<std::string> out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return {"error: " + sql};
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      if (i) row += '|';
      if (auto t = sqlite3_column_text(st, i)) row += reinterpret_cast<const char*>(t);
    }
    out.push_back(row);
  }
  sqlite3_finalize(st);
  return out;
}

}  // namespace

template <>
struct stowage::record_traits<order_v1> {
  static constexpr std::string_view table = "json_orders";
};
template <>
struct stowage::record_traits<order_v2> {
  static constexpr std::string_view table = "json_orders";
  using indexes = std::tuple<stowage::json_index<&order_v2::payload, "/order/id">,
                             stowage::json_index<&order_v2::payload, "/it's/a b">>;
};
template <>
struct stowage::record_traits<order_bad> {
  static constexpr std::string_view table = "json_orders_bad";
  using indexes = std::tuple<stowage::json_index<&order_bad::payload, "/items/0/sku">>;
};

TEMPLATE_LIST_TEST_CASE("json paths: an index on a JSON path is added to an existing table and serves queries",
                        "[conformance][query][json][schema]", conformance_backends) {
  using nlohmann::json;
  store<TestType> s;
  s->template table<order_v1>().put_many(std::vector<order_v1>{
      {1, json::parse(R"({"order": {"id": 7}, "it's": {"a b": "x"}})")},
      {2, json::parse(R"({"order": {"id": "7"}})")},
      {3, json::parse(R"({"order": {"id": 8.5}, "it's": {"a b": "y"}})")},
  });
  auto t = s->template table<order_v2>();
  auto ids = [](const auto& q) {
    std::vector<std::int64_t> v;
    for (const order_v2& o : q) v.push_back(o.id);
    std::sort(v.begin(), v.end());
    return v;
  };
  // the same answers through the index as without it
  CHECK(ids(t.query(where<&order_v2::payload>.at("/order/id") == 7)) == ids_t{1});
  CHECK(ids(t.query(where<&order_v2::payload>.at("/order/id") == "7")) == ids_t{2});
  CHECK(ids(t.query(where<&order_v2::payload>.at("/order/id") > 7)) == ids_t{3});
  CHECK(ids(t.query(where<&order_v2::payload>.at("/order/id").exists())) == ids_t{1, 2, 3});
  CHECK(ids(t.query(where<&order_v2::payload>.at("/it's/a b") != "x")) == ids_t{2, 3});
  t.put(order_v2{4, json::parse(R"({"order": {"id": 7.0}})")});
  CHECK(ids(t.query(where<&order_v2::payload>.at("/order/id") == 7)) == ids_t{1, 4});
  // an operand beyond what SQLite's reading of the path compares exactly is answered all the same
  t.put(order_v2{5, json{{"order", {{"id", std::numeric_limits<std::uint64_t>::max()}}}}});
  CHECK(ids(t.query(where<&order_v2::payload>.at("/order/id") < std::uint64_t{1} << 63)) == ids_t{1, 3, 4});
  CHECK(ids(t.query(where<&order_v2::payload>.at("/order/id") == std::numeric_limits<std::uint64_t>::max())) ==
        ids_t{5});

  if constexpr (std::is_same_v<typename TestType::type, stowage::sqlite>) {
    sqlite3* db = s->backend().native_handle();
    auto defs = sqlite_rows(db,
                            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                            "'json_orders' ORDER BY name");
    REQUIRE(defs.size() == 2);
    CHECK(defs[0] ==
          "json_orders_ix_payload/it's/a b|CREATE INDEX \"json_orders_ix_payload/it's/a b\" ON "
          "\"json_orders\" (json_extract(\"payload\", '$.\"it''s\".\"a b\"'))");
    CHECK(defs[1] ==
          "json_orders_ix_payload/order/id|CREATE INDEX \"json_orders_ix_payload/order/id\" ON "
          "\"json_orders\" (json_extract(\"payload\", '$.\"order\".\"id\"'))");
    // the query's own statement, as stowage prepared it, searches the index
    std::string sql;
    for (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr); st; st = sqlite3_next_stmt(db, st))
      if (std::string text = sqlite3_sql(st); text.find("IN ('integer', 'real') AND json_extract") != text.npos &&
                                              text.find(" = ?") != text.npos && text.find("COUNT") == text.npos)
        sql = text;
    REQUIRE(!sql.empty());
    auto plan = sqlite_rows(db, "EXPLAIN QUERY PLAN " + sql);
    REQUIRE(plan.size() == 1);
    CHECK_THAT(plan[0], Catch::Contains("SEARCH json_orders USING INDEX json_orders_ix_payload/order/id (<expr>=?)"));
  }
#ifdef STOWAGE_TEST_POSTGRES
  if constexpr (std::is_same_v<typename TestType::type, stowage::postgres>) {
    auto defs = pg_index_definitions(s.backend.schema, "json_orders");
    std::sort(defs.begin(), defs.end());
    REQUIRE(defs.size() == 3);  // and the key's
    CHECK_THAT(defs[0], Catch::Contains("(payload #> '{it''s,\"a b\"}'::text[])"));
    CHECK_THAT(defs[1], Catch::Contains("(payload #> '{order,id}'::text[])"));
  }
#endif
  // opened again, the indexes are left as they are
  if constexpr (TestType::persistent) {
    s.reopen();
    CHECK(ids(s->template table<order_v2>().query(where<&order_v2::payload>.at("/order/id") == 7)) == ids_t{1, 4});
  }
}

TEST_CASE("json paths: an index on a path through an array index is a schema error naming the field",
          "[conformance][query][json][schema]") {
  stowage::database<stowage::memory> db;
  try {
    (void)db.table<order_bad>();
    FAIL("the index was accepted");
  } catch (const stowage::schema_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("payload") && Catch::Contains("'0'"));
  }
}
