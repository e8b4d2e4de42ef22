// Keyset pagination: pages cover a query's records exactly once in its order, tokens refuse to
// serve another table or query, and records written between pages are neither repeated nor
// skipped.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;
using stowage::where;

namespace {

using ids_t = std::vector<std::int64_t>;

struct page_doc {
  BOOST_HANA_DEFINE_STRUCT(page_doc, (std::int64_t, id), (nlohmann::json, body));
};

/// items with many ties and NULLs: rank in 0..4, score in 4 values, group and note often NULL.
std::vector<item> tied_items(std::int64_t first, std::int64_t n) {
  std::vector<item> out;
  for (std::int64_t i = first; i < first + n; ++i) {
    std::optional<std::int64_t> group;
    if (i % 3) group = i % 4;
    std::optional<std::string> note;
    if (i % 5 < 3) note = "n" + std::to_string(i % 7);
    out.push_back({i, "item" + std::to_string(i), i % 5, static_cast<double>(i % 4) / 2, group, note, i % 2 == 0});
  }
  return out;
}

/// Every page of q of n records, in order, checking each page's size and token on the way.
template <class Q>
ids_t paged_ids(const Q& q, std::uint64_t n) {
  ids_t out;
  auto p = q.page(n);
  for (int guard = 0; guard < 1000; ++guard) {
    for (const item& i : p) out.push_back(i.id);
    if (!p.next) {
      CHECK(p.size() <= n);
      return out;
    }
    CHECK(p.size() == n);
    p = q.page_after(*p.next, n);
  }
  FAIL("paging did not end");
  return out;
}

template <class Q>
ids_t ids_of(const Q& q) {
  ids_t out;
  for (const item& i : q) out.push_back(i.id);
  return out;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("pages cover every record of a query exactly once, in its order", "[conformance][query][pages]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  t.put_many(tied_items(1, 60));
  using stowage::asc;
  using stowage::desc;
  using stowage::field;

  auto check_query = [&](const auto& q) {
    // the key breaks ties, as the pages do
    const ids_t expected = ids_of(q.order_by(field<&item::id>));
    REQUIRE(!expected.empty());
    for (std::uint64_t n : {1u, 4u, 7u, 1000u}) {
      INFO("page size " << n);
      CHECK(paged_ids(q, n) == expected);
    }
  };
  SECTION("ascending, with ties") { check_query(t.query().order_by(field<&item::rank>)); }
  SECTION("descending, with ties") { check_query(t.query().order_by(field<&item::score>, desc)); }
  SECTION("several fields, mixed directions") {
    check_query(t.query().order_by(field<&item::rank>, desc).order_by(field<&item::score>, asc));
  }
  SECTION("nullable fields, ascending and descending") {
    check_query(t.query().order_by(field<&item::group>));
    check_query(t.query().order_by(field<&item::group>, desc));
    check_query(t.query().order_by(field<&item::note>, desc).order_by(field<&item::group>));
    check_query(t.query().order_by(field<&item::group>).order_by(field<&item::note>, desc));
  }
  SECTION("text and boolean fields, with a filter") {
    check_query(t.query(where<&item::rank> != 2).order_by(field<&item::active>).order_by(field<&item::name>, desc));
    check_query(t.query(where<&item::note>.is_null() || where<&item::score> > 0.5).order_by(field<&item::note>));
  }
  SECTION("no order: the key's") {
    ids_t all = ids_of(t.query().order_by(field<&item::id>));
    CHECK(paged_ids(t.query(), 9) == all);
    std::reverse(all.begin(), all.end());
    CHECK(paged_ids(t.query().order_by(field<&item::id>, desc), 9) == all);
  }
  SECTION("an empty query gives one empty page") {
    auto p = t.query(where<&item::rank> > 100).order_by(field<&item::rank>).page(5);
    CHECK(p.empty());
    CHECK(!p.next);
  }
  SECTION("a last page that is exactly full has no next token") {
    auto p = t.query(where<&item::rank> == 1).page(12);  // ranks 0..4 over 60 items: 12 each
    CHECK(p.size() == 12);
    CHECK(!p.next);
  }
}

TEMPLATE_LIST_TEST_CASE("a page token serves only the query that gave it, unaltered", "[conformance][query][pages]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  auto accounts = s->template table<account>();
  t.put_many(tied_items(1, 20));
  for (int i = 0; i < 5; ++i) accounts.put({"a" + std::to_string(i), std::to_string(i) + "@x", std::nullopt, i});
  using stowage::desc;
  using stowage::field;

  const auto q = t.query(where<&item::rank> > 0).order_by(field<&item::note>, desc).order_by(field<&item::score>);
  const std::string token = *q.page(3).next;
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
  CHECK(q.page_after(token, 3).size() == 3);

  auto refused = [](auto&& read, const char* why) {
    try {
      read();
      FAIL("the token was accepted");
    } catch (const stowage::bad_input_error& e) {
      CHECK_THAT(e.what(), Catch::Contains(why));
    }
  };
  refused([&] { accounts.query().page_after(token, 3); }, "another table");
  refused(
      [&] {
        t.query(where<&item::rank> > 0).order_by(field<&item::note>).order_by(field<&item::score>).page_after(token, 3);
      },
      "another order or filter");
  refused(
      [&] {
        t.query(where<&item::rank> > 1)
            .order_by(field<&item::note>, desc)
            .order_by(field<&item::score>)
            .page_after(token, 3);
      },
      "another order or filter");
  refused([&] { t.query().order_by(field<&item::note>, desc).order_by(field<&item::score>).page_after(token, 3); },
          "another order or filter");

  // a query that names its shape in place of its predicate takes the tokens of a query with the
  // same shape and order, whatever its predicate, and no others
  const auto named = q.page_shape("rank above 0");
  const std::string named_token = *named.page(3).next;
  refused([&] { named.page_after(token, 3); }, "another order or filter");
  refused([&] { q.page_after(named_token, 3); }, "another order or filter");
  refused([&] { q.page_shape("rank above 1").page_after(named_token, 3); }, "another order or filter");
  refused(
      [&] {
        t.query()
            .order_by(field<&item::note>)
            .order_by(field<&item::score>)
            .page_shape("rank above 0")
            .page_after(named_token, 3);
      },
      "another order or filter");
  CHECK(t.query(where<&item::rank> >= 1)  // the same records, by another predicate
            .order_by(field<&item::note>, desc)
            .order_by(field<&item::score>)
            .page_shape("rank above 0")
            .page_after(named_token, 3)
            .records == named.page_after(named_token, 3).records);

  // every character altered, and every shorter prefix
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = alphabet[(alphabet.find(token[i]) + 1 + i) % alphabet.size()];
    INFO("altered at " << i << ": " << altered);
    CHECK_THROWS_AS(q.page_after(altered, 3), stowage::bad_input_error);
  }
  for (std::size_t n = 0; n < token.size(); ++n) {
    INFO("cut to " << n);
    CHECK_THROWS_AS(q.page_after(token.substr(0, n), 3), stowage::bad_input_error);
  }
  refused([&] { q.page_after(token + "A", 3); }, "page token refused");
  refused([&] { q.page_after(token + "=", 3); }, "not a page token");

  // random bytes, and random base64url text
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string garbage(rng() % 80, '\0');
    for (char& c : garbage) c = round % 2 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 256);
    CHECK_THROWS_AS(q.page_after(garbage, 3), stowage::bad_input_error);
  }

  refused([&] { q.page(0); }, "at least one record");
  refused([&] { q.offset(3).page(3); }, "no offset() or limit()");
  refused([&] { q.limit(3).page_after(token, 3); }, "no offset() or limit()");
}

TEMPLATE_LIST_TEST_CASE("records written between pages are neither repeated nor skipped", "[conformance][query][pages]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<item>();
  t.put_many(tied_items(1, 80));
  using stowage::desc;
  using stowage::field;

  // paging by rank descending then group (nullable), three records a page; between pages
  // records are inserted (of every rank, so before and after the reader's position), and
  // records seen and not yet seen are erased
  const auto q = t.query().order_by(field<&item::rank>, desc).order_by(field<&item::group>);
  std::set<std::int64_t> erased;
  ids_t seen;
  std::int64_t next_id = 1000;
  auto p = q.page(3);
  for (int round = 0;; ++round) {
    for (const item& i : p) seen.push_back(i.id);
    if (!p.next) break;
    auto fresh = tied_items(next_id, 2);
    next_id += 2;
    t.put_many(fresh);
    std::int64_t victim = 1 + (round * 7) % 80;
    if (t.erase(victim)) erased.insert(victim);
    p = q.page_after(*p.next, 3);
  }
  std::set<std::int64_t> unique(seen.begin(), seen.end());
  CHECK(unique.size() == seen.size());  // nothing repeated
  for (std::int64_t id = 1; id <= 80; ++id)
    if (!erased.count(id)) CHECK(unique.count(id) == 1);  // nothing that stayed is skipped
  CHECK(!erased.empty());
}

TEMPLATE_LIST_TEST_CASE("a page token serves no query on another path of a JSON field", "[conformance][query][pages]",
                        conformance_backends) {
  store<TestType> s;
  auto t = s->template table<page_doc>();
  for (std::int64_t i = 0; i < 6; ++i) t.put({i, nlohmann::json{{"a", 1}, {"b", 1}}});
  const auto on_a = t.query(where<&page_doc::body>.at("/a") == 1);
  const std::string token = *on_a.page(2).next;
  CHECK(on_a.page_after(token, 2).size() == 2);
  CHECK_THROWS_AS(t.query(where<&page_doc::body>.at("/b") == 1).page_after(token, 2), stowage::bad_input_error);
  CHECK_THROWS_AS(t.query(where<&page_doc::body>.at("/a") == 2).page_after(token, 2), stowage::bad_input_error);
}
