// Bad input gets a typed error that names the record, the key and the field, and stores nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <type_traits>

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

namespace {

struct reading {
  BOOST_HANA_DEFINE_STRUCT(reading, (double, value), (std::string, unit));
};

/// JSON columns of every sort: a document, a vector of doubles, a nested struct.
struct measurement {
  BOOST_HANA_DEFINE_STRUCT(measurement,
    (std::int64_t, id),
    (nlohmann::json, doc),
    (std::vector<double>, samples),
    (std::optional<reading>, last));
};

/// Two records over one table: a microsecond time point and a nanosecond one.
struct wide_time {
  BOOST_HANA_DEFINE_STRUCT(wide_time, (std::int64_t, id), (stowage::timestamp, at));
};
struct narrow_time {
  BOOST_HANA_DEFINE_STRUCT(narrow_time, (std::int64_t, id), (std::chrono::system_clock::time_point, at));
};
/// A record keyed by a nanosecond time point.
struct tick {
  BOOST_HANA_DEFINE_STRUCT(tick, (std::chrono::system_clock::time_point, at), (std::int64_t, n));
};

/// A text key and a plain (not unique) index on text.
struct tagged {
  BOOST_HANA_DEFINE_STRUCT(tagged, (std::string, id), (std::string, tag));
};
/// Two records over one table: a 32-bit number, then the same field as 64 bits.
struct narrow_count {
  BOOST_HANA_DEFINE_STRUCT(narrow_count, (std::int64_t, id), (std::int32_t, n));
};
struct wide_count {
  BOOST_HANA_DEFINE_STRUCT(wide_count, (std::int64_t, id), (std::int64_t, n));
};

/// Letters in no pattern, so that no backend can compress them below its limits.
std::string incompressible_text(std::size_t n) {
  std::string s(n, ' ');
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& c : s) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>('a' + x % 26);
  }
  return s;
}

template <class B>
constexpr bool is_postgres() {
#ifdef STOWAGE_TEST_POSTGRES
  return std::is_same_v<B, postgres_server>;
#else
  return false;
#endif
}

}  // namespace

template <>
struct stowage::record_traits<wide_time> {
  static constexpr std::string_view table = "times";
};
template <>
struct stowage::record_traits<narrow_time> {
  static constexpr std::string_view table = "times";
};
template <>
struct stowage::record_traits<tagged> {
  static constexpr std::string_view table = "tagged";
  using indexes = std::tuple<stowage::index<&tagged::tag>>;
};
template <>
struct stowage::record_traits<narrow_count> {
  static constexpr std::string_view table = "counts";
};
template <>
struct stowage::record_traits<wide_count> {
  static constexpr std::string_view table = "counts";
};
template <>
struct stowage::record_traits<tick> {
  static constexpr std::string_view table = "ticks";
  static constexpr auto key = &tick::at;
};

TEMPLATE_LIST_TEST_CASE("NaN, infinities, binary and discarded values in JSON fields are refused as bad input",
                        "[conformance][errors]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<measurement>();
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  auto refused = [&](const measurement& m, const std::string& field, const std::string& words) {
    try {
      t.put(m);
      FAIL_CHECK("stored: " + field + " with " + words);
    } catch (const stowage::bad_input_error& e) {
      CHECK(e.record() == "measurement");
      CHECK_THAT(e.what(), Catch::Contains("'" + field + "'") && Catch::Contains(words));
    }
    CHECK(t.count() == 0);
  };
  refused({1, {{"a", {1.0, nan}}}, {}, std::nullopt}, "doc", "NaN at '/a/1'");
  refused({2, {{"x/y", inf}}, {}, std::nullopt}, "doc", "infinity at '/x~1y'");
  refused({3, -inf, {}, std::nullopt}, "doc", "infinity at the top");
  refused({4, nlohmann::json::binary({1, 2, 3}), {}, std::nullopt}, "doc", "binary");
  refused({5, {{"k", nlohmann::json(nlohmann::json::value_t::discarded)}}, {}, std::nullopt}, "doc", "discarded");
  refused({6, {}, {1.0, nan}, std::nullopt}, "samples", "NaN");
  refused({7, {}, {inf}, std::nullopt}, "samples", "infinity at '/0'");
  refused({8, {}, {}, reading{-inf, "K"}}, "last", "infinity at '/value'");
  refused({9, {}, {}, reading{nan, "K"}}, "last", "NaN");
  // what may be stored still is, and finite values keep their exact bits
  measurement fine{10, {{"a", {1.5, -0.0, 1e308}}}, {-0.0, 5e-324}, reading{2.5, "K"}};
  t.put(fine);
  auto back = t.get(10);
  REQUIRE(back);
  CHECK(back->doc == fine.doc);
  CHECK(back->samples == fine.samples);
  // jsonb holds numbers as decimals, which have no negative zero
  if constexpr (!is_postgres<TestType>()) CHECK(std::signbit(back->samples[0]));
  CHECK(back->last->value == 2.5);
}

TEMPLATE_LIST_TEST_CASE(
    "a time point whose microseconds cannot be kept is refused, and one that cannot be read is corrupt",
    "[conformance][errors]", conformance_backends) {
  store<TestType> s;
  auto narrow = s->template table<narrow_time>();
  try {
    narrow.put({1, std::chrono::system_clock::time_point::min()});
    FAIL("time_point::min() was stored");
  } catch (const stowage::bad_input_error& e) {
    CHECK(e.record() == "narrow_time");
    CHECK_THAT(e.what(), Catch::Contains("'at'"));
  }
  CHECK(narrow.count() == 0);
  // the latest nanosecond time point is kept, floored to its microsecond
  auto latest = std::chrono::system_clock::time_point::max();
  narrow.put({2, latest});
  CHECK(narrow.get(2)->at == std::chrono::floor<std::chrono::microseconds>(latest));
  // a time in 1495 fits a microsecond time point, not a nanosecond one: reading it back as the
  // latter is corrupt data, not a date wrapped into another century
  auto wide = s->template table<wide_time>();
  wide.put({3, stowage::timestamp(std::chrono::microseconds(-15'000'000'000'000'000))});
  CHECK(wide.get(3)->at.time_since_epoch().count() == -15'000'000'000'000'000);
  try {
    (void)narrow.get(3);
    FAIL("a time outside the nanosecond range was read");
  } catch (const stowage::corrupt_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("'at'"));
  }
}

TEMPLATE_LIST_TEST_CASE("a 300-byte key is stored everywhere; a 100 KB key is stored or refused naming the limit",
                        "[conformance][errors]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<account>();
  const std::string medium = incompressible_text(300), big = incompressible_text(100'000);
  t.put({medium, "m@x", std::nullopt, 1});
  REQUIRE(t.get(medium));
  CHECK(t.get(medium)->id == medium);

  if constexpr (is_postgres<TestType>()) {
    // a btree index entry holds at most 2704 bytes (PostgreSQL's limit, not stowage's)
    for (const account& a : {account{big, "b@x", std::nullopt, 2}, account{"k", big, std::nullopt, 2}}) {
      try {
        t.put(a);
        FAIL("PostgreSQL stored a 100 KB key or indexed value");
      } catch (const stowage::bad_input_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("2704 bytes"));
        CHECK_THAT(e.backend_message(), Catch::Contains("index row"));
      }
    }
    CHECK_FALSE(t.get(big));
    CHECK(t.count() == 1);
  } else {
    // memory, SQLite and json_dir (whose file names end in a hash past 180 bytes) keep it
    t.put({big, "b@x", std::nullopt, 2});
    REQUIRE(t.get(big));
    CHECK(t.get(big)->id == big);
    CHECK(t.count(stowage::where<&account::id> == big) == 1);
    CHECK(t.erase(big));
    CHECK(t.count() == 1);
  }
}

TEMPLATE_LIST_TEST_CASE("a write the server refuses for a value's size or range leaves the transaction usable",
                        "[conformance][errors][tx]", conformance_backends) {
  // PostgreSQL refuses an index entry over 2704 bytes, a number too wide for a column an earlier
  // version of the record made narrower, and a NUL character in JSON; other backends store them
  store<TestType> s;
  auto docs = s->template table<measurement>();
  auto tags = s->template table<tagged>();
  auto accounts = s->template table<account>();
  s->template table<narrow_count>().put({1, 7});
  auto counts = s->template table<wide_count>();
  const std::string big = incompressible_text(100'000);
  auto attempt = [&](auto&& write) {
    if constexpr (is_postgres<TestType>())
      CHECK_THROWS_AS(write(), stowage::bad_input_error);
    else
      write();
  };
  {
    auto tx = s->transaction();
    tags.put({"a", "short"});
    // no unique index: the key's and a plain one refuse the entry
    attempt([&] { tags.put({big, "x"}); });
    attempt([&] { tags.insert({"b", big}); });
    attempt([&] { tags.update(stowage::where<&tagged::id> == std::string("a"), stowage::set<&tagged::tag>(big)); });
    // unique indexes: an insert and an update that no unique index refuses
    attempt([&] { accounts.insert({"k", big, std::nullopt, 1}); });
    attempt([&] { accounts.insert({big, "k@x", std::nullopt, 1}); });
    accounts.insert({"e", "e@x", std::nullopt, 5});
    attempt([&] { accounts.update({"e", "e@x", big, 5}); });
    attempt([&] { counts.put({1, std::int64_t{1} << 40}); });
    attempt([&] { counts.update({1, std::int64_t{1} << 40}); });
    attempt([&] { docs.put({1, nlohmann::json{{"s", std::string("a\0b", 3)}}, {}, std::nullopt}); });
    attempt([&] { docs.put({2, nlohmann::json{{std::string("\0", 1), 1}}, {}, std::nullopt}); });
    docs.put({3, nlohmann::json{{"s", "a\\u0000b"}}, {}, std::nullopt});  // a backslash, then text: stored everywhere
    tags.put({"c", "after"});
    accounts.insert({"d", "d@x", std::nullopt, 4});
    tx.commit();
  }
  CHECK(tags.get("c"));
  CHECK(accounts.get("d"));
  CHECK(docs.get(3)->doc.at("s") == "a\\u0000b");
  if constexpr (is_postgres<TestType>()) {
    CHECK(tags.count() == 2);
    CHECK(tags.get("a")->tag == "short");
    CHECK(accounts.count() == 2);
    CHECK_FALSE(accounts.get("e")->external_id);
    CHECK(counts.get(1)->n == 7);
    CHECK(docs.count() == 1);
  } else {
    CHECK(tags.get("a")->tag == big);
    CHECK(counts.get(1)->n == std::int64_t{1} << 40);
  }
}

TEMPLATE_LIST_TEST_CASE("a key that cannot be stored is bad input for get, erase and put alike",
                        "[conformance][errors]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<tick>();
  const auto unstorable = std::chrono::system_clock::time_point::min();
  auto refused = [](auto&& call) {
    try {
      call();
      FAIL_CHECK("an unstorable key was accepted");
    } catch (const stowage::bad_input_error& e) {
      CHECK(e.record() == "tick");
      CHECK_THAT(e.what(), Catch::Contains("'at'"));
    }
  };
  refused([&] { t.put({unstorable, 1}); });
  refused([&] { (void)t.get(unstorable); });
  refused([&] { (void)t.erase(unstorable); });
  CHECK(t.count() == 0);
  const auto fine = std::chrono::system_clock::time_point(std::chrono::microseconds(1'700'000'000'000'000));
  t.put({fine, 2});
  CHECK(t.get(fine)->n == 2);
  CHECK(t.erase(fine));
}
