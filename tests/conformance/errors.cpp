// Bad input gets a typed error that names the record, the key and the field, and stores nothing.
#include <catch2/catch.hpp>

#include <limits>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;

TEMPLATE_LIST_TEST_CASE("a NaN is refused as bad input naming the record, key and field", "[conformance][errors]",
                        conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  item bad{17, "nan", 1, std::numeric_limits<double>::quiet_NaN(), std::nullopt, std::nullopt, true};
  try {
    items.put(bad);
    FAIL("NaN was stored");
  } catch (const stowage::bad_input_error& e) {
    CHECK(e.kind() == stowage::error_kind::bad_input);
    CHECK(e.record() == "item");
    CHECK(e.key() == "17");
    CHECK_THAT(e.what(), Catch::Contains("'score'") && Catch::Contains("NaN"));
  }
  CHECK(items.count() == 0);
  REQUIRE_THROWS_AS(items.query(stowage::where<&item::score> == std::numeric_limits<double>::quiet_NaN()).count(),
                    stowage::bad_input_error);
}

TEMPLATE_LIST_TEST_CASE("an enum value without a name is refused as bad input", "[conformance][errors]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<every_type>();
  every_type r{};
  r.id = "bad-enum";
  r.hue = static_cast<color>(42);
  try {
    t.put(r);
    FAIL("an unnamed enum value was stored");
  } catch (const stowage::bad_input_error& e) {
    CHECK(e.key() == "\"bad-enum\"");
    CHECK_THAT(e.what(), Catch::Contains("'hue'") && Catch::Contains("42"));
  }
  CHECK(t.count() == 0);
}

TEMPLATE_LIST_TEST_CASE("invalid UTF-8 in a JSON field is refused as bad input", "[conformance][errors]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<every_type>();
  every_type r{};
  r.id = "bad-json";
  r.tags = {"\xff\xfe"};
  REQUIRE_THROWS_AS(t.put(r), stowage::bad_input_error);
  CHECK(t.count() == 0);
}

TEMPLATE_LIST_TEST_CASE("every error is a stowage::error and a std::exception", "[conformance][errors]",
                        conformance_backends) {
  store<TestType> s;
  auto items = s->template table<item>();
  items.put({1, "x", 1, 1.0, std::nullopt, std::nullopt, true});
  try {
    items.insert({1, "x", 1, 1.0, std::nullopt, std::nullopt, true});
    FAIL("no error");
  } catch (const std::exception& e) {
    auto* se = dynamic_cast<const stowage::error*>(&e);
    REQUIRE(se);
    CHECK(se->kind() == stowage::error_kind::conflict);
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("stowage: conflict"));
  }
}
