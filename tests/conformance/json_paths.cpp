// Predicates inside JSON fields have one meaning on every backend (query/json_path.hpp): a path
// that leads nowhere is null, numbers compare numerically and never equal strings, booleans equal
// only booleans, ordering holds between numbers or between strings (bytewise), and every test is
// true or false, so that ! negates it exactly.
#include <catch2/catch.hpp>

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
