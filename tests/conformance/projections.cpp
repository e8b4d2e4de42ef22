// query.select<...>() (just some fields of the selected records), table.distinct<...>() and
// table.count_by<...>(): the same answers on every backend, nulls and enums included.
#include <catch2/catch.hpp>

#include "backends.hpp"

using namespace conformance;
using namespace std::chrono_literals;
using stowage::where;

namespace {
enum class stage { queued, running, done, failed };

struct job {
  BOOST_HANA_DEFINE_STRUCT(job,
    (std::string, id),
    (std::string, owner),
    (stage, status),
    (std::optional<stage>, previous),
    (std::int64_t, priority),
    (double, cost),
    (stowage::timestamp, created),
    (std::optional<std::string>, tag));
};

const stowage::timestamp t0{std::chrono::sys_days{std::chrono::year{2026} / 11 / 26}};

std::vector<job> some_jobs() {
  using enum stage;
  return {
      {"j1", "ann", running, queued, 2, 1.5, t0 + 1s, "x"},
      {"j2", "bob", done, running, 1, 0.25, t0 + 2s, std::nullopt},
      {"j3", "ann", failed, running, 3, 2.0, t0 + 3s, "y"},
      {"j4", "cy", queued, std::nullopt, 2, 0.75, t0 + 4s, "x"},
      {"j5", "bob", running, queued, 1, 1.5, t0 + 5s, std::nullopt},
      {"j6", "ann", done, running, 2, 3.0, t0 + 6s, "x"},
      {"j7", "cy", running, std::nullopt, 3, 0.5, t0 + 7s, "z"},
      {"j8", "bob", queued, std::nullopt, 1, 1.25, t0 + 8s, std::nullopt},
  };
}

using opt_text = std::optional<std::string>;
using opt_stage = std::optional<stage>;
template <class T>
using counts = std::vector<stowage::value_count<T>>;
}  // namespace

// Catch prints a count as {value, count} when an assertion on it fails.
template <class T>
struct Catch::StringMaker<stowage::value_count<T>> {
  static std::string convert(const stowage::value_count<T>& v) {
    return "{" + Catch::Detail::stringify(v.value) + ", " + std::to_string(v.count) + "}";
  }
};

template <>
struct stowage::record_traits<job> {
  static constexpr std::string_view table = "jobs";
  using indexes = std::tuple<stowage::index<&job::status>>;
};

TEMPLATE_LIST_TEST_CASE(
    "a projection yields just the named fields of what a query selects, in its order, offset and limit",
    "[conformance][projection]", conformance_backends) {
  store<TestType> s;
  auto jobs = s->template table<job>();
  jobs.put_many(some_jobs());

  // priority >= 2 by cost, highest first: j6 3.0, j3 2.0, j1 1.5, j4 0.75, j7 0.5
  auto q = jobs.query(where<&job::priority> >= 2).template order_by<&job::cost>(stowage::desc).offset(1).limit(3);
  CHECK(q.template select<&job::id, &job::tag>().to_vector() ==
        std::vector<std::tuple<std::string, opt_text>>{{"j3", "y"}, {"j1", "x"}, {"j4", "x"}});
  // one field: its value, not a tuple; fields in any order, one named twice
  CHECK(q.template select<&job::owner>().to_vector() == std::vector<std::string>{"ann", "ann", "cy"});
  CHECK(q.template select<&job::cost, &job::id, &job::cost>().to_vector() ==
        std::vector<std::tuple<double, std::string, double>>{{2.0, "j3", 2.0}, {1.5, "j1", 1.5}, {0.75, "j4", 0.75}});

  // a range: iterated in a loop, the elements bound by name
  static_assert(std::ranges::input_range<decltype(q.template select<&job::id>())>);
  std::vector<std::string> seen;
  for (const auto& [id, owner] : jobs.query(where<&job::owner> != "ann")
                                     .template order_by<&job::id>(stowage::desc)
                                     .template select<&job::id, &job::owner>())
    seen.push_back(id + ":" + owner);
  CHECK(seen == std::vector<std::string>{"j8:bob", "j7:cy", "j5:bob", "j4:cy", "j2:bob"});

  // nothing selected, and the whole table in key order
  CHECK(jobs.query(where<&job::owner> == "nobody").template select<&job::id>().to_vector().empty());
  CHECK(jobs.query().template order_by<&job::id>().template select<&job::id>().to_vector() ==
        std::vector<std::string>{"j1", "j2", "j3", "j4", "j5", "j6", "j7", "j8"});
  // each iteration runs the query afresh
  auto names = jobs.query(where<&job::owner> == "cy").template order_by<&job::id>().template select<&job::id>();
  CHECK(names.to_vector() == std::vector<std::string>{"j4", "j7"});
  jobs.erase(std::string("j4"));
  CHECK(names.to_vector() == std::vector<std::string>{"j7"});
}

TEMPLATE_LIST_TEST_CASE("a projection reads enum, optional, timestamp and number fields as the records hold them",
                        "[conformance][projection]", conformance_backends) {
  store<TestType> s;
  auto jobs = s->template table<job>();
  jobs.put_many(some_jobs());

  using row = std::tuple<stage, opt_stage, stowage::timestamp, double, std::int64_t, opt_text>;
  std::vector<row> expected;
  for (const job& j : jobs.query().template order_by<&job::id>())
    expected.emplace_back(j.status, j.previous, j.created, j.cost, j.priority, j.tag);
  REQUIRE(expected.size() == 8);
  CHECK(jobs.query()
            .template order_by<&job::id>()
            .template select<&job::status, &job::previous, &job::created, &job::cost, &job::priority, &job::tag>()
            .to_vector() == expected);
  CHECK(jobs.query(where<&job::previous>.is_null())
            .template order_by<&job::created>()
            .template select<&job::previous>()
            .to_vector() == std::vector<opt_stage>{std::nullopt, std::nullopt, std::nullopt});
}

TEMPLATE_LIST_TEST_CASE("distinct gives each value of a field once, in ascending order with null first",
                        "[conformance][projection]", conformance_backends) {
  store<TestType> s;
  auto jobs = s->template table<job>();
  CHECK(jobs.template distinct<&job::owner>().empty());
  jobs.put_many(some_jobs());

  CHECK(jobs.template distinct<&job::owner>() == std::vector<std::string>{"ann", "bob", "cy"});
  // enums are stored by name, and ordered so
  using enum stage;
  CHECK(jobs.template distinct<&job::status>() == std::vector<stage>{done, failed, queued, running});
  CHECK(jobs.template distinct<&job::previous>() == std::vector<opt_stage>{std::nullopt, queued, running});
  CHECK(jobs.template distinct<&job::tag>() == std::vector<opt_text>{std::nullopt, "x", "y", "z"});
  CHECK(jobs.template distinct<&job::cost>() == std::vector<double>{0.25, 0.5, 0.75, 1.25, 1.5, 2.0, 3.0});

  // with a predicate
  CHECK(jobs.template distinct<&job::tag>(where<&job::owner> == "bob") == std::vector<opt_text>{std::nullopt});
  CHECK(jobs.template distinct<&job::priority>(where<&job::status> == running) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(jobs.template distinct<&job::created>(where<&job::owner> == "cy") ==
        std::vector<stowage::timestamp>{t0 + 4s, t0 + 7s});
  CHECK(jobs.template distinct<&job::owner>(where<&job::priority> > 5).empty());
}

TEMPLATE_LIST_TEST_CASE("count_by gives each value of a field with how many records hold it",
                        "[conformance][projection]", conformance_backends) {
  store<TestType> s;
  auto jobs = s->template table<job>();
  CHECK(jobs.template count_by<&job::status>().empty());
  jobs.put_many(some_jobs());

  using enum stage;
  CHECK(jobs.template count_by<&job::status>() == counts<stage>{{done, 2}, {failed, 1}, {queued, 2}, {running, 3}});
  CHECK(jobs.template count_by<&job::previous>() == counts<opt_stage>{{std::nullopt, 3}, {queued, 2}, {running, 3}});
  CHECK(jobs.template count_by<&job::tag>() == counts<opt_text>{{std::nullopt, 3}, {"x", 3}, {"y", 1}, {"z", 1}});

  // with a predicate
  CHECK(jobs.template count_by<&job::owner>(where<&job::priority> == 1) == counts<std::string>{{"bob", 3}});
  CHECK(jobs.template count_by<&job::tag>(where<&job::owner> != "bob") ==
        counts<opt_text>{{"x", 3}, {"y", 1}, {"z", 1}});
  CHECK(jobs.template count_by<&job::priority>(where<&job::status>.in({queued, running})) ==
        counts<std::int64_t>{{1, 2}, {2, 2}, {3, 1}});
  CHECK(jobs.template count_by<&job::status>(where<&job::tag> == "none").empty());

  // the counts add up to the count of the same selection
  std::uint64_t sum = 0;
  for (auto [owner, n] : jobs.template count_by<&job::owner>(where<&job::cost> < 1.6)) sum += n;
  CHECK(sum == jobs.count(where<&job::cost> < 1.6));
}

TEMPLATE_LIST_TEST_CASE("projections and counts by group see the writes of the transaction they run in",
                        "[conformance][projection]", conformance_backends) {
  store<TestType> s;
  auto jobs = s->template table<job>();
  jobs.put_many(some_jobs());
  {
    auto tx = s->transaction();
    jobs.put(job{"j9", "dee", stage::failed, stage::running, 5, 9.0, t0 + 9s, "w"});
    jobs.update(where<&job::owner> == "bob", stowage::set<&job::status>(stage::failed));
    CHECK(jobs.template count_by<&job::status>() ==
          counts<stage>{{stage::done, 1}, {stage::failed, 5}, {stage::queued, 1}, {stage::running, 2}});
    CHECK(jobs.template distinct<&job::owner>() == std::vector<std::string>{"ann", "bob", "cy", "dee"});
    CHECK(jobs.query(where<&job::priority> > 4).template select<&job::id, &job::tag>().to_vector() ==
          std::vector<std::tuple<std::string, opt_text>>{{"j9", "w"}});
  }  // rolled back
  CHECK(jobs.template distinct<&job::owner>() == std::vector<std::string>{"ann", "bob", "cy"});
  CHECK(jobs.template count_by<&job::status>(where<&job::owner> == "bob") ==
        counts<stage>{{stage::done, 1}, {stage::queued, 1}, {stage::running, 1}});
}

TEMPLATE_LIST_TEST_CASE(
    "a projection streams as a query does: a loop may break, write as it reads, or run in a transaction",
    "[conformance][projection]", conformance_backends) {
  store<TestType> s;
  auto jobs = s->template table<job>();
  jobs.put_many(some_jobs());
  auto by_id = [&](auto pred) { return jobs.query(pred).template order_by<&job::id>(); };
  auto other = [](std::string id, std::string owner) {
    return job{std::move(id), std::move(owner), stage::queued, std::nullopt, 0, 0.0, t0, std::nullopt};
  };

  // a loop that stops early reads no further, and the database goes on
  std::vector<std::string> first;
  for (const auto& [id, cost] : by_id(where < &job::cost >> 0.0).template select<&job::id, &job::cost>()) {
    first.push_back(id);
    if (first.size() == 2) break;
  }
  CHECK(first == std::vector<std::string>{"j1", "j2"});
  if constexpr (std::is_same_v<typename TestType::type, stowage::sqlite>) {
    // the statement is still being stepped while the loop runs: rows are read as they are yielded
    sqlite3* db = s->backend().native_handle();
    for (const std::string& id : by_id(where<&job::owner> != "").template select<&job::id>()) {
      bool stepping = false;
      for (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr); st; st = sqlite3_next_stmt(db, st))
        stepping =
            stepping || (sqlite3_stmt_busy(st) && std::string_view(sqlite3_sql(st)).starts_with("SELECT \"id\" FROM"));
      CHECK(stepping);
      CHECK(id == "j1");
      break;
    }
  }
  jobs.put(other("j9", "dee"));
  CHECK(jobs.count() == 9);

  // writes made while it reads are not yielded: it yields the rows as they were when it began
  std::vector<std::string> seen;
  for (const std::string& id : by_id(where<&job::priority> >= 0).template select<&job::id>()) {
    seen.push_back(id);
    jobs.put(other(id + "x", "zed"));  // sorts right after the row just read
  }
  CHECK(seen == std::vector<std::string>{"j1", "j2", "j3", "j4", "j5", "j6", "j7", "j8", "j9"});
  CHECK(jobs.count(where<&job::owner> == "zed") == 9);

  {
    auto tx = s->transaction();
    CHECK(jobs.erase(where<&job::owner> == "zed") == 9);
    std::vector<std::string> in_tx;
    for (const std::string& id : by_id(where<&job::owner> == "ann").template select<&job::id>()) {
      in_tx.push_back(id);
      if (in_tx.size() == 2) break;
    }
    CHECK(in_tx == std::vector<std::string>{"j1", "j3"});
    jobs.put(other("j0", "ann"));
    CHECK(by_id(where<&job::owner> == "ann").template select<&job::id>().to_vector() ==
          std::vector<std::string>{"j0", "j1", "j3", "j6"});
    CHECK(by_id(where<&job::owner> != "zed").template select<&job::owner>().to_vector().size() == 10);
  }  // rolled back
  CHECK(by_id(where<&job::owner> == "ann").template select<&job::id>().to_vector() ==
        std::vector<std::string>{"j1", "j3", "j6"});
  CHECK(jobs.count(where<&job::owner> == "zed") == 9);
}

namespace {
struct switch_state {
  BOOST_HANA_DEFINE_STRUCT(switch_state, (std::int64_t, id), (bool, on), (std::optional<bool>, was));
};
}  // namespace

TEMPLATE_LIST_TEST_CASE("distinct and count_by on bool fields", "[conformance][projection]", conformance_backends) {
  store<TestType> s;
  auto t = s->template table<switch_state>();
  t.put_many(std::vector<switch_state>{{1, true, std::nullopt}, {2, true, false}, {3, true, true}, {4, true, true}});
  CHECK(t.template distinct<&switch_state::on>() == std::vector<bool>{true});
  t.put({5, false, false});
  CHECK(t.template distinct<&switch_state::on>() == std::vector<bool>{false, true});
  CHECK(t.template distinct<&switch_state::was>() == std::vector<std::optional<bool>>{std::nullopt, false, true});
  CHECK(t.template count_by<&switch_state::on>() == counts<bool>{{false, 1}, {true, 4}});
}

namespace {
struct review {
  BOOST_HANA_DEFINE_STRUCT(review,
    (std::int64_t, id),
    (std::string, job),
    (std::string, reviewer),
    (std::int64_t, stars),
    (std::optional<std::string>, about));
};
/// A table nothing writes.
struct job_note {
  BOOST_HANA_DEFINE_STRUCT(job_note, (std::int64_t, id), (std::string, job));
};

std::vector<review> some_reviews() {
  return {{1, "j1", "ann", 5, "j1"},
          {2, "j1", "bob", 2, std::nullopt},
          {3, "j3", "cy", 4, "j1"},
          {4, "j6", "bob", 5, std::nullopt},
          {5, "j9", "ann", 1, "j9"}};  // of a job that is not stored
}
}  // namespace

template <>
struct stowage::record_traits<review> {
  static constexpr std::string_view table = "job_reviews";
};

TEMPLATE_LIST_TEST_CASE("a predicate tests membership in what a query of another table selects",
                        "[conformance][projection][subquery]", conformance_backends) {
  store<TestType> s;
  auto jobs = s->template table<job>();
  auto reviews = s->template table<review>();
  jobs.put_many(some_jobs());
  reviews.put_many(some_reviews());
  auto ids = [&](stowage::predicate<job> p) {
    return jobs.query(std::move(p)).template order_by<&job::id>().template select<&job::id>().to_vector();
  };
  using ids_t = std::vector<std::string>;
  auto reviewed = [&](stowage::predicate<review> p) {
    return where<&job::id>.in(reviews.query(std::move(p)).template select<&review::job>());
  };

  CHECK(ids(reviewed(where<&review::reviewer> == "bob")) == ids_t{"j1", "j6"});
  CHECK(ids(reviewed((where<&review::reviewer> == "ann" || where<&review::stars> >= 4) &&
                     where<&review::stars> != 5)) == ids_t{"j3"});
  CHECK(ids(reviewed(where<&review::reviewer> == "zed")).empty());
  CHECK(ids(!reviewed(where<&review::reviewer> == "zed")).size() == 8);
  // every record of the sub-query's table, and a sub-query of the table itself
  CHECK(ids(where<&job::id>.in(reviews.query().template select<&review::job>())) == ids_t{"j1", "j3", "j6"});
  CHECK(ids(where<&job::id>.in(jobs.query(where<&job::priority> == 3).template select<&job::id>())) ==
        ids_t{"j3", "j7"});

  // combined with the outer predicate's own conditions
  const auto by_bob = reviewed(where<&review::reviewer> == "bob");
  CHECK(ids(where<&job::status> == stage::done && by_bob) == ids_t{"j6"});
  CHECK(ids(where<&job::owner> == "cy" || by_bob) == ids_t{"j1", "j4", "j6", "j7"});
  CHECK(ids(!by_bob && where<&job::owner> == "ann") == ids_t{"j3"});
  CHECK(ids(by_bob && reviewed(where<&review::stars> == 2)) == ids_t{"j1"});
  CHECK(jobs.count(by_bob) == 2);
  CHECK(jobs.template count_by<&job::owner>(by_bob) == counts<std::string>{{"ann", 2}});

  // SQL's rule: not found among values one of which is NULL is unknown, so NOT IN selects nothing
  const auto about = where<&job::id>.in(reviews.query().template select<&review::about>());
  CHECK(ids(about) == ids_t{"j1"});
  CHECK(ids(!about).empty());
  CHECK(
      ids(!where<&job::id>.in(reviews.query(where<&review::about> != "j1").template select<&review::about>())).size() ==
      8);

  // a sub-query selects a set: no limit or offset; and it reads a table of the same database
  CHECK_THROWS_AS(where<&job::id>.in(reviews.query().limit(2).template select<&review::job>()),
                  stowage::bad_input_error);
  auto other = s.another();
  auto other_reviews = other->template table<review>();
  CHECK_THROWS_AS(ids(where<&job::id>.in(other_reviews.query().template select<&review::job>())),
                  stowage::bad_input_error);

  // erase and update by such a predicate: one statement on SQL backends
  CHECK(jobs.update(reviewed(where<&review::stars> == 5), stowage::set<&job::tag>("starred")) == 2);
  CHECK(ids(where<&job::tag> == "starred") == ids_t{"j1", "j6"});
  CHECK(jobs.erase(reviewed(where<&review::reviewer> == "cy")) == 1);
  CHECK(ids(reviewed(where<&review::stars> >= 1)) == ids_t{"j1", "j6"});
}

TEMPLATE_LIST_TEST_CASE("a sub-query of a table never written selects nothing", "[conformance][projection][subquery]",
                        conformance_backends) {
  store<TestType> s;
  auto jobs = s->template table<job>();
  jobs.put_many(some_jobs());
  auto notes = s->template table<job_note>();
  const auto noted = where<&job::id>.in(notes.query(where<&job_note::id> > 0).template select<&job_note::job>());
  CHECK(jobs.count(noted) == 0);
  CHECK(jobs.count(!noted) == 8);
  CHECK(jobs.query(noted).page(3).empty());
}

TEMPLATE_LIST_TEST_CASE("pages of a query with a sub-query continue it, and refuse another sub-query's tokens",
                        "[conformance][projection][subquery][pages]", conformance_backends) {
  store<TestType> s;
  auto jobs = s->template table<job>();
  auto reviews = s->template table<review>();
  jobs.put_many(some_jobs());
  reviews.put_many(some_reviews());
  auto query = [&](std::int64_t stars) {
    return jobs
        .query(where<&job::id>.in(reviews.query(where<&review::stars> >= stars).template select<&review::job>()) ||
               where<&job::owner> == "cy")
        .template order_by<&job::priority>(stowage::desc);
  };
  // stars >= 2: j1, j3, j6, and cy's j4, j7; by priority, highest first, then id: j3 j7 j1 j4 j6
  auto p = query(2).page(2);
  std::vector<std::string> seen;
  for (const job& j : p) seen.push_back(j.id);
  REQUIRE(p.next);
  CHECK(seen == std::vector<std::string>{"j3", "j7"});
  // a review written between pages: j2 (priority 1) now matches and comes last
  reviews.put({6, "j2", "cy", 3, std::nullopt});
  while (p.next) {
    p = query(2).page_after(*p.next, 2);
    for (const job& j : p) seen.push_back(j.id);
  }
  CHECK(seen == std::vector<std::string>{"j3", "j7", "j1", "j4", "j6", "j2"});

  const std::string token = *query(2).page(1).next;
  CHECK(query(2).page_after(token, 10).size() == 5);
  try {
    query(3).page_after(token, 10);
    FAIL("a token of another sub-query was accepted");
  } catch (const stowage::bad_input_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("another order or filter"));
  }
  // the same query but for the field its sub-query selects
  try {
    jobs.query(where<&job::id>.in(reviews.query(where<&review::stars> >= 2).template select<&review::reviewer>()) ||
               where<&job::owner> == "cy")
        .template order_by<&job::priority>(stowage::desc)
        .page_after(token, 10);
    FAIL("a token of a sub-query selecting another field was accepted");
  } catch (const stowage::bad_input_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("another order or filter"));
  }
}
