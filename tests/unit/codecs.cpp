// The pieces under the backends: LIKE matching, prefix bounds, base64, enum and type names,
// SQL rendering.
#include <catch2/catch.hpp>
#include <stowage/sqlite.hpp>

namespace {
enum class shade { light, dark = 5, unnamed_gap = 7 };
enum plain { one = 1, two = 2 };
enum class wide : std::int64_t { far = 1'000'000 };
}  // namespace

template <>
struct stowage::enum_traits<wide> {
  static constexpr std::array<std::pair<wide, std::string_view>, 1> names{{{wide::far, "far"}}};
};

namespace app {
struct Order {
  BOOST_HANA_DEFINE_STRUCT(Order, (std::string, id), (std::int64_t, total));
};
}  // namespace app

TEST_CASE("like matches as SQL's case-sensitive LIKE does") {
  using stowage::detail::like_match;
  CHECK(like_match("", ""));
  CHECK(like_match("", "%"));
  CHECK_FALSE(like_match("", "_"));
  CHECK(like_match("abc", "abc"));
  CHECK_FALSE(like_match("abc", "ABC"));
  CHECK(like_match("abc", "a%"));
  CHECK(like_match("abc", "%c"));
  CHECK(like_match("abc", "%b%"));
  CHECK(like_match("abc", "a_c"));
  CHECK_FALSE(like_match("abc", "a_"));
  CHECK(like_match("aXbXc", "a%b%c"));
  CHECK_FALSE(like_match("aXbXd", "a%b%c"));
  CHECK_FALSE(like_match("ü", "_"));  // _ is one byte, and ü two
  CHECK(like_match("ü", "__"));
  CHECK(like_match("日本", "______"));
  CHECK_FALSE(like_match("日本", "__"));
  CHECK(like_match("a%b", "a\\%b"));
  CHECK_FALSE(like_match("axb", "a\\%b"));
  CHECK(like_match("a_b", "a\\_b"));
  CHECK_FALSE(like_match("axb", "a\\_b"));
  CHECK(like_match("mississippi", "%iss%ppi"));
  CHECK(like_match("mississippi", "m%s%s%i"));
}

TEST_CASE("a prefix becomes a half-open range of strings") {
  using stowage::sql::prefix_upper_bound;
  CHECK(prefix_upper_bound("ab") == "ac");
  CHECK(prefix_upper_bound("a\xff") == "b");
  CHECK(prefix_upper_bound("\xff\xff").empty());
  CHECK(prefix_upper_bound("").empty());
}

TEST_CASE("base64 round-trips every byte value and length") {
  using namespace stowage::detail;
  for (std::size_t n = 0; n < 300; ++n) {
    stowage::bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 37 + n) & 0xFF);
    auto text = base64_encode(b);
    CHECK(text.size() % 4 == 0);
    CHECK(base64_decode(text) == b);
  }
  CHECK(base64_encode(stowage::bytes{std::byte{'M'}, std::byte{'a'}}) == "TWE=");
  CHECK_THROWS(base64_decode("TW!="));
  CHECK_THROWS(base64_decode("TWE"));
}

TEST_CASE("enums are stored by enumerator name") {
  using stowage::detail::enum_from_name;
  using stowage::detail::enum_to_name;
  CHECK(enum_to_name(shade::light) == "light");
  CHECK(enum_to_name(shade::dark) == "dark");
  CHECK(enum_to_name(shade::unnamed_gap) == "unnamed_gap");
  CHECK_FALSE(enum_to_name(static_cast<shade>(3)));
  CHECK(enum_from_name<shade>("dark") == shade::dark);
  CHECK_FALSE(enum_from_name<shade>("Dark"));
  CHECK(enum_to_name(two) == "two");
  CHECK(enum_to_name(wide::far) == "far");  // beyond the scanned range: named by enum_traits
}

TEST_CASE("records are named without their namespace, and tables after them") {
  CHECK(stowage::detail::type_name<app::Order>() == "Order");
  CHECK(stowage::record_info<app::Order>::table == "Order");
  CHECK(stowage::record_info<app::Order>::key == 0);
}

TEST_CASE("SQL text holds placeholders, never values") {
  using stowage::where;
  const auto& schema = stowage::detail::schema_of<app::Order>();
  stowage::sql::builder<stowage::detail::sqlite_impl::dialect> b(schema);
  stowage::detail::query_spec q;
  q.filter = ((where<&app::Order::id> == "x'; DROP TABLE Order; --" || where<&app::Order::id>.starts_with("ab")) &&
              where<&app::Order::total>.in({1, 2}))
                 .expr();
  q.limit = 5;
  b.raw("SELECT ").column_list().raw(" FROM ").ident(schema.table).clauses(q);
  CHECK(b.text ==
        "SELECT \"id\", \"total\" FROM \"Order\" WHERE ((\"id\" = ?1 OR (\"id\" >= ?2 AND \"id\" < ?3)) AND "
        "\"total\" IN (?4, ?5)) LIMIT ?6");
  REQUIRE(b.params.size() == 6);
  CHECK(std::get<std::string>(b.params[0]) == "x'; DROP TABLE Order; --");
  CHECK(std::get<std::string>(b.params[2]) == "ac");
}

TEST_CASE("identifiers are quoted with the quote doubled") {
  std::string out;
  stowage::sql::quote_identifier(out, "we\"ird");
  CHECK(out == "\"we\"\"ird\"");
}

TEST_CASE("time points are stored as floored microseconds only when they read back into their own type") {
  using ns_point = std::chrono::system_clock::time_point;
  using ns_traits =
      stowage::column_traits<std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>>;
  using s_traits = stowage::column_traits<std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>>;
  using us_traits = stowage::column_traits<stowage::timestamp>;
  auto fails_as = [](auto f, stowage::error_kind k) {
    try {
      f();
    } catch (const stowage::detail::codec_failure& c) {
      return c.kind == k;
    }
    return false;
  };
  using namespace std::chrono;
  CHECK(ns_traits::to_storage(ns_point(nanoseconds(-1))) == -1);
  CHECK(ns_traits::to_storage(ns_point(nanoseconds(1999))) == 1);
  CHECK(ns_traits::to_storage(ns_point::max()) == std::numeric_limits<std::int64_t>::max() / 1000);
  // the earliest nanosecond floors to a microsecond before it: refused, it would come back in 2262
  CHECK(fails_as([] { (void)ns_traits::to_storage(ns_point::min()); }, stowage::error_kind::bad_input));
  auto earliest = std::numeric_limits<std::int64_t>::min() / 1000;  // rounds toward zero: inside the range
  CHECK(ns_traits::to_storage(ns_point(microseconds(earliest))) == earliest);
  CHECK(ns_traits::from_storage(earliest) == ns_point(microseconds(earliest)));
  CHECK(fails_as([&] { (void)ns_traits::from_storage(earliest - 1); }, stowage::error_kind::corrupt));
  CHECK(fails_as([] { (void)ns_traits::from_storage(std::numeric_limits<std::int64_t>::max()); },
                 stowage::error_kind::corrupt));
  // seconds: every stored microsecond reads back; a count of seconds too large for microseconds does not store
  CHECK(s_traits::to_storage(s_traits::from_storage(-1)) == -1'000'000);
  CHECK(s_traits::to_storage(sys_seconds(seconds(-3))) == -3'000'000);
  CHECK(fails_as([] { (void)s_traits::to_storage(sys_seconds::max()); }, stowage::error_kind::bad_input));
  CHECK(fails_as([] { (void)s_traits::to_storage(sys_seconds::min()); }, stowage::error_kind::bad_input));
  // microseconds: the whole range, both ways
  CHECK(us_traits::to_storage(stowage::timestamp::min()) == std::numeric_limits<std::int64_t>::min());
  CHECK(us_traits::from_storage(std::numeric_limits<std::int64_t>::max()) == stowage::timestamp::max());
}
