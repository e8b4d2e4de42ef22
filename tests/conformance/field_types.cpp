// Every field type and the edge values of each round-trip exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;
using namespace std::chrono_literals;

namespace {

stowage::bytes every_byte() {
  stowage::bytes b;
  for (int i = 0; i < 256; ++i) b.push_back(static_cast<std::byte>(i));
  return b;
}

every_type typical() {
  every_type r{};
  r.id = "typical";
  r.i8 = -5;
  r.i16 = 1234;
  r.i32 = -123456;
  r.i64 = 1234567890123;
  r.u8 = 250;
  r.u16 = 65000;
  r.u32 = 4000000000u;
  r.u64 = 18000000000000000000ull;
  r.f32 = 1.5f;
  r.f64 = -2.25e-300;
  r.flag = true;
  r.text = "plain";
  r.blob = {std::byte{1}, std::byte{0}, std::byte{2}};
  r.at = stowage::timestamp(1700000000123456us);
  r.at_ns = std::chrono::system_clock::time_point(1700000000654321us);
  r.hue = color::blue;
  r.lvl = level::high;
  r.doc = nlohmann::json{{"a", 1}, {"b", {true, nullptr, "x"}}, {"c", {{"nested", 2.5}}}};
  r.where = {3, -4, "origin"};
  r.path = {{1, 2, std::nullopt}, {3, 4, "b"}};
  r.tags = {"x", "", "z"};
  r.price = {1999};
  r.maybe_int = -1;
  r.maybe_real = 0.0;
  r.maybe_text = "";
  r.maybe_blob = stowage::bytes{};
  r.maybe_at = stowage::timestamp(-1us);
  r.maybe_hue = color::red;
  r.maybe_flag = false;
  r.maybe_point = point{0, 0, std::nullopt};
  return r;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("every field type round-trips", "[conformance][types]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<every_type>();

  SECTION("typical values") {
    auto r = typical();
    t.put(r);
    REQUIRE(t.get("typical") == r);
  }
  SECTION("default values, empty optionals") {
    every_type r{};
    r.id = "defaults";
    t.put(r);
    REQUIRE(t.get("defaults") == r);
  }
  SECTION("limits of every numeric type") {
    every_type lo{}, hi{};
    lo.id = "lo";
    hi.id = "hi";
    lo.i8 = std::numeric_limits<std::int8_t>::min(), hi.i8 = std::numeric_limits<std::int8_t>::max();
    lo.i16 = std::numeric_limits<std::int16_t>::min(), hi.i16 = std::numeric_limits<std::int16_t>::max();
    lo.i32 = std::numeric_limits<std::int32_t>::min(), hi.i32 = std::numeric_limits<std::int32_t>::max();
    lo.i64 = std::numeric_limits<std::int64_t>::min(), hi.i64 = std::numeric_limits<std::int64_t>::max();
    hi.u8 = std::numeric_limits<std::uint8_t>::max();
    hi.u16 = std::numeric_limits<std::uint16_t>::max();
    hi.u32 = std::numeric_limits<std::uint32_t>::max();
    hi.u64 = std::numeric_limits<std::uint64_t>::max();
    lo.f32 = std::numeric_limits<float>::lowest(), hi.f32 = std::numeric_limits<float>::max();
    lo.f64 = std::numeric_limits<double>::lowest(), hi.f64 = std::numeric_limits<double>::max();
    lo.maybe_real = std::numeric_limits<double>::denorm_min();
    hi.maybe_real = std::numeric_limits<double>::infinity();
    lo.maybe_int = std::numeric_limits<std::int64_t>::min();
    hi.maybe_int = std::numeric_limits<std::int64_t>::max();
    t.put(lo);
    t.put(hi);
    REQUIRE(t.get("lo") == lo);
    REQUIRE(t.get("hi") == hi);
  }
  SECTION("timestamps keep microseconds, before and after the epoch") {
    every_type r = typical();
    r.at = stowage::timestamp(-86400000001us);
    r.maybe_at = stowage::timestamp(253402300799999999us);  // 9999-12-31T23:59:59.999999
    t.put(r);
    REQUIRE(t.get(r.id)->at == r.at);
    REQUIRE(t.get(r.id)->maybe_at == r.maybe_at);
  }
  SECTION("negative zero keeps its sign") {
    every_type r = typical();
    r.f32 = -0.0f;
    r.f64 = -0.0;
    r.maybe_real = -0.0;
    t.put(r);
    auto back = t.get(r.id);
    REQUIRE(back);
    CHECK(std::signbit(back->f32));
    CHECK(std::signbit(back->f64));
    CHECK(std::signbit(*back->maybe_real));
    // and equals zero, as IEEE says, in queries
    CHECK(t.count(stowage::where<&every_type::f64> == 0.0) == 1);
  }
  SECTION("a nanosecond time point is truncated to the microsecond") {
    every_type r = typical();
    r.at_ns = std::chrono::system_clock::time_point(std::chrono::nanoseconds(1700000000123456789));
    t.put(r);
    REQUIRE(t.get(r.id)->at_ns == std::chrono::system_clock::time_point(std::chrono::nanoseconds(1700000000123456000)));
  }
}

TEMPLATE_LIST_TEST_CASE("text and blob edge values round-trip byte for byte", "[conformance][types]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<every_type>();
  std::vector<std::string> texts = {
      "",
      std::string("nul\0inside\0", 11),
      std::string(1 << 20, 'x') + "end",
      "non-ASCII: żółć ∑ 日本語 🙂",
      "quotes ' \" ` and ; DROP TABLE every_type; --",
      "percent % underscore _ backslash \\",
      "\t\n\r\x01\x7f",
  };
  int n = 0;
  for (const auto& text : texts) {
    every_type r = typical();
    r.id = "row" + std::to_string(n++);
    r.text = text;
    r.maybe_text = text;
    r.tags = {text};
    r.blob = every_byte();
    if (!TestType::nul_in_text && text.find('\0') != std::string::npos) {
      // PostgreSQL text cannot hold NUL: refused, naming the field, and nothing stored
      REQUIRE_THROWS_WITH(t.put(r),
                          Catch::Contains("bad input") && Catch::Contains("'text'") && Catch::Contains("NUL"));
      REQUIRE_FALSE(t.get(r.id));
      continue;
    }
    t.put(r);
    auto back = t.get(r.id);
    REQUIRE(back);
    REQUIRE(back->text.size() == text.size());
    REQUIRE(back->text == text);
    REQUIRE(back->maybe_text == text);
    REQUIRE(back->blob == every_byte());
  }
  SECTION("a 1 MiB blob") {
    every_type r = typical();
    r.id = "big-blob";
    r.blob.resize(1 << 20);
    for (std::size_t i = 0; i < r.blob.size(); ++i) r.blob[i] = static_cast<std::byte>(i * 7 + (i >> 8));
    t.put(r);
    REQUIRE(t.get("big-blob")->blob == r.blob);
  }
}

TEMPLATE_LIST_TEST_CASE("keys with SQL metacharacters, quotes and NUL bytes round-trip", "[conformance][types]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<account>();
  std::vector<std::string> keys = {"'",  "''", "\"",   "a'); DELETE FROM accounts; --", "%",
                                   "_",  "\\", "",     std::string("k\0ey", 4),         "ключ",
                                   "?1", "$1", ":name"};
  if (!TestType::nul_in_text) {
    REQUIRE_THROWS_AS(t.put({keys[8], "mail", std::nullopt, 1}), stowage::bad_input_error);
    REQUIRE_THROWS_AS(t.get(keys[8]), stowage::bad_input_error);
    keys.erase(keys.begin() + 8);
  }
  for (const auto& k : keys) t.put({k, "mail-" + k, std::nullopt, 1});
  REQUIRE(t.count() == keys.size());
  for (const auto& k : keys) {
    auto a = t.get(k);
    REQUIRE(a);
    REQUIRE(a->id == k);
    REQUIRE(a->email == "mail-" + k);
  }
  if constexpr (TestType::nul_in_text) REQUIRE(t.count(stowage::where<&account::id> == std::string("k\0ey", 4)) == 1);
  REQUIRE(t.erase("'"));
  REQUIRE(t.count() == keys.size() - 1);
}

namespace {
struct tracked {
  BOOST_HANA_DEFINE_STRUCT(tracked, (stowage::uuid, id), (std::optional<stowage::uuid>, parent), (int, n));
};
}  // namespace

TEMPLATE_LIST_TEST_CASE("uuid keys and fields round-trip and sort by creation", "[conformance][types]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<tracked>();
  std::vector<tracked> made;
  for (int i = 0; i < 40; ++i) {
    tracked r{stowage::new_uuid(), std::nullopt, i};
    if (i > 0) r.parent = made.back().id;
    made.push_back(r);
  }
  // stored out of order; read back in key order, which is the order they were made in
  for (int i = 39; i >= 0; --i) t.put(made[static_cast<std::size_t>(i)]);
  int expected = 0;
  for (const tracked& r : t.query().order_by(stowage::field<&tracked::id>)) {
    REQUIRE(r.n == expected);
    CHECK(r.id == made[static_cast<std::size_t>(expected)].id);
    CHECK(r.parent == made[static_cast<std::size_t>(expected)].parent);
    ++expected;
  }
  CHECK(expected == 40);
  CHECK(t.get(made[7].id)->n == 7);
  CHECK(t.count(stowage::where<&tracked::parent> == made[7].id) == 1);
  CHECK(t.count(stowage::where<&tracked::id> > made[29].id) == 10);
  CHECK(t.count(stowage::where<&tracked::parent>.is_null()) == 1);
}
