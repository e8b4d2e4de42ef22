// The workflow runs model (stowage::models::workflows): runs, steps, outputs and state, their
// status transitions, compare-and-swap, lists by keyset pages, counts and retention, the same on
// every backend, with threads and (for stores that several processes share) processes racing.
#include <catch2/catch.hpp>

#include <stowage/models/workflows.hpp>

// all four models in one file, conversations last: no model's helpers may hide another's names
// (each include a block of its own, so that sorting them keeps this order)
#include <stowage/models/prompts.hpp>

#include <stowage/models/events.hpp>

#include <stowage/models/conversations.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <set>
#include <thread>

#include "backends.hpp"

using namespace conformance;
using namespace std::chrono_literals;
using namespace stowage::models;

namespace {
stowage::timestamp now_us() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

stowage::bytes some_bytes(std::initializer_list<int> values) {
  stowage::bytes out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

/// A run of `workflow` for `resource`, created at `at`.
run_draft run_of(std::string workflow, std::string resource, stowage::timestamp at) {
  return {.workflow_id = std::move(workflow), .resource_id = std::move(resource), .created_at = at};
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("a workflow run round-trips every field, and its id is unique",
                        "[conformance][models][workflows]", conformance_backends) {
  store<TestType> s;
  workflows flows{*s};
  const auto t0 = now_us() - 1h;
  const run_draft d{.id = stowage::new_uuid(),
                    .workflow_id = "ingest",
                    .workflow_version = "v2.1",
                    .input = {{"file", "naïve.csv"}, {"rows", 12}},
                    .resource_id = "tenant-1",
                    .tags = {{"env", "prod"}, {"team", "data"}},
                    .context = {{"user", "ana"}},
                    .created_at = t0};
  workflow_run created = flows.create_run(d);
  CHECK(created.id == d.id);
  CHECK(created.workflow_id == "ingest");
  CHECK(created.workflow_version == "v2.1");
  CHECK(created.input == d.input);
  CHECK(created.resource_id == "tenant-1");
  CHECK(created.tags == d.tags);
  CHECK(created.context == d.context);
  CHECK(created.created_at == t0);
  CHECK(created.updated_at >= now_us() - 1min);
  // a new run is pending, at progress 0, with no output, error or start
  CHECK(created.status == run_status::pending);
  CHECK(created.progress == 0.0);
  CHECK(created.output.is_null());
  CHECK_FALSE(created.error);
  CHECK_FALSE(created.started_at);
  CHECK(flows.get_run(d.id) == created);
  CHECK_THROWS_AS(flows.create_run(d), stowage::conflict_error);
  CHECK(flows.count_runs() == 1);

  // the fields a run gains later round-trip too
  created.progress = 0.25;
  created.output = nullptr;
  created.error = workflow_error{.message = "disk full",
                                 .code = "EXECUTION_FAILED",
                                 .step = "parse",
                                 .timestamp = t0 + 3s,
                                 .attempt = 2,
                                 .details = {{"free", 0}}};
  const workflow_run r = flows.update_run(created);
  CHECK(r.created_at == t0);
  CHECK(flows.get_run(d.id) == r);

  // a nil id is generated, a missing creation time is now, tags default to {}
  const auto before = now_us();
  workflow_run fresh = flows.create_run({.workflow_id = "ingest"});
  CHECK_FALSE(fresh.id.is_nil());
  CHECK(fresh.created_at >= before);
  CHECK(fresh.tags == nlohmann::json::object());
  CHECK(flows.get_run(fresh.id) == fresh);

  // not there: get throws, find says so
  const auto missing = stowage::new_uuid();
  CHECK_THROWS_AS(flows.get_run(missing), stowage::not_found_error);
  CHECK_FALSE(flows.find_run(missing));

  // tags that are no object of strings, or a progress beyond [0, 1], are refused and store nothing
  CHECK_THROWS_AS(flows.create_run({.workflow_id = "x", .tags = {{"n", 1}}}), stowage::bad_input_error);
  CHECK_THROWS_AS(flows.create_run({.workflow_id = "x", .tags = nlohmann::json::array()}), stowage::bad_input_error);
  CHECK(flows.count_runs() == 2);
  workflow_run too_far = fresh;
  too_far.progress = 1.5;
  CHECK_THROWS_AS(flows.update_run(too_far), stowage::bad_input_error);
  CHECK(flows.get_run(fresh.id) == fresh);

  // the records are ordinary ones: a user may query them
  using stowage::where;
  CHECK(s->template table<workflow_run>().count(where<&workflow_run::tags>.at("/env") == "prod") == 1);

  if constexpr (TestType::persistent) {
    s.reopen();
    workflows again{*s};
    CHECK(again.get_run(r.id) == r);
  }
}

TEST_CASE("the run and step transition tables are the contract's", "[conformance][models][workflows]") {
  using R = run_status;
  const std::set<std::pair<R, R>> run_moves{{R::pending, R::running},
                                            {R::pending, R::cancelled},
                                            {R::running, R::completed},
                                            {R::running, R::failed},
                                            {R::running, R::cancelled}};
  const R runs[] = {R::pending, R::running, R::completed, R::failed, R::cancelled};
  for (R from : runs)
    for (R to : runs) CHECK(run_transition_allowed(from, to) == (from == to || run_moves.count({from, to}) == 1));
  using S = step_status;
  const std::set<std::pair<S, S>> step_moves{
      {S::pending, S::running},   {S::pending, S::skipped}, {S::running, S::retrying}, {S::retrying, S::running},
      {S::running, S::completed}, {S::running, S::failed},  {S::running, S::skipped}};
  const S steps[] = {S::pending, S::running, S::completed, S::failed, S::skipped, S::retrying};
  for (S from : steps)
    for (S to : steps) CHECK(step_transition_allowed(from, to) == (from == to || step_moves.count({from, to}) == 1));
}

TEMPLATE_LIST_TEST_CASE("a run's status moves only along legal transitions and stamps its times",
                        "[conformance][models][workflows]", conformance_backends) {
  store<TestType> s;
  workflows flows{*s};
  const workflow_run r = flows.create_run({.workflow_id = "w"});
  CHECK(r.status == run_status::pending);
  CHECK_FALSE(r.started_at);

  // an illegal move is a conflict and changes nothing
  CHECK_THROWS_AS(flows.update_run_status(r.id, run_status::completed), stowage::conflict_error);
  CHECK(flows.get_run(r.id) == r);

  const workflow_run running = flows.update_run_status(r.id, run_status::running);
  CHECK(running.status == run_status::running);
  REQUIRE(running.started_at);
  CHECK_FALSE(running.completed_at);
  CHECK(running.updated_at > r.updated_at);
  CHECK(flows.get_run(r.id) == running);

  const workflow_error failure{.message = "boom", .code = "EXECUTION_FAILED", .timestamp = now_us()};
  const workflow_run failed = flows.update_run_status(r.id, run_status::failed, failure);
  CHECK(failed.error == failure);
  REQUIRE(failed.completed_at);
  CHECK(*failed.completed_at >= *running.started_at);
  CHECK(failed.started_at == running.started_at);
  CHECK(flows.get_run(r.id) == failed);
  for (auto to : {run_status::running, run_status::completed, run_status::cancelled, run_status::pending})
    CHECK_THROWS_AS(flows.update_run_status(r.id, to), stowage::conflict_error);
  CHECK(flows.get_run(r.id) == failed);

  // pending -> cancelled; completed sets progress 1
  const workflow_run other = flows.create_run({.workflow_id = "w"});
  CHECK(flows.update_run_status(other.id, run_status::cancelled).completed_at);
  const workflow_run third = flows.create_run({.workflow_id = "w"});
  flows.update_run_status(third.id, run_status::running);
  CHECK(flows.update_run_status(third.id, run_status::completed).progress == 1.0);

  CHECK_THROWS_AS(flows.update_run_status(stowage::new_uuid(), run_status::running), stowage::not_found_error);
}

TEMPLATE_LIST_TEST_CASE("update_run replaces a run, keeps its creation time and compares and swaps on updated_at",
                        "[conformance][models][workflows]", conformance_backends) {
  store<TestType> s;
  workflows flows{*s};
  const workflow_run r = flows.create_run({.workflow_id = "w", .resource_id = "a"});

  workflow_run change = r;
  change.progress = 0.5;
  change.output = nlohmann::json{{"partial", true}};
  change.created_at = {};  // ignored: the creation time is the store's
  const workflow_run first = flows.update_run(change);
  CHECK(first.progress == 0.5);
  CHECK(first.created_at == r.created_at);
  CHECK(first.updated_at > r.updated_at);
  CHECK(flows.get_run(r.id) == first);

  // compare-and-swap: a stale updated_at is a conflict and changes nothing; the current one wins
  change.progress = 0.75;
  CHECK_THROWS_AS(flows.update_run(change, r.updated_at), stowage::conflict_error);
  CHECK(flows.get_run(r.id) == first);
  const workflow_run second = flows.update_run(change, first.updated_at);
  CHECK(second.progress == 0.75);
  CHECK(flows.get_run(r.id) == second);

  // a status change through update_run is checked like update_run_status
  change.status = run_status::completed;
  CHECK_THROWS_AS(flows.update_run(change), stowage::conflict_error);
  change.status = run_status::running;
  const workflow_run third = flows.update_run(change);
  CHECK(third.started_at);

  // missing run, bad input
  workflow_run ghost = r;
  ghost.id = stowage::new_uuid();
  CHECK_THROWS_AS(flows.update_run(ghost), stowage::not_found_error);
  CHECK_THROWS_AS(flows.update_run(ghost, r.updated_at), stowage::not_found_error);
  change.tags = nlohmann::json{{"n", 1}};
  CHECK_THROWS_AS(flows.update_run(change), stowage::bad_input_error);
  CHECK(flows.get_run(r.id) == third);
}

TEMPLATE_LIST_TEST_CASE("a step goes pending, running, retrying, running, completed, and only so",
                        "[conformance][models][workflows]", conformance_backends) {
  store<TestType> s;
  workflows flows{*s};
  const workflow_run r = flows.create_run({.workflow_id = "w"});

  const workflow_step created =
      flows.create_step({.run_id = r.id, .step_id = "parse", .execution_index = 1, .input = {{"a", 1}}});
  CHECK(created.status == step_status::pending);
  CHECK(flows.get_step(r.id, "parse") == created);
  CHECK_THROWS_AS(flows.create_step({.run_id = r.id, .step_id = "parse", .execution_index = 5}),
                  stowage::conflict_error);
  CHECK_THROWS_AS(flows.create_step({.run_id = stowage::new_uuid(), .step_id = "parse"}), stowage::not_found_error);
  CHECK_THROWS_AS(flows.create_step({.run_id = r.id, .step_id = ""}), stowage::bad_input_error);

  CHECK_THROWS_AS(flows.update_step_status(r.id, "parse", step_status::completed), stowage::conflict_error);
  CHECK_THROWS_AS(flows.update_step_status(r.id, "parse", step_status::retrying), stowage::conflict_error);
  const auto running = flows.update_step_status(r.id, "parse", step_status::running);
  CHECK(running.attempt == 1);
  REQUIRE(running.started_at);
  const auto retrying = flows.update_step_status(r.id, "parse", step_status::retrying,
                                                 workflow_error{.message = "timeout", .code = "TIMEOUT", .attempt = 1});
  CHECK(retrying.error);
  CHECK(flows.update_step_status(r.id, "parse", step_status::running).attempt == 2);
  workflow_step done = flows.get_step(r.id, "parse");
  done.status = step_status::completed;
  done.output = nlohmann::json{{"rows", 3}};
  const workflow_step completed = flows.update_step(done);  // a full replace, checked like a status change
  CHECK(completed.output == nlohmann::json{{"rows", 3}});
  REQUIRE(completed.completed_at);
  CHECK(completed.duration_ms ==
        std::chrono::duration_cast<std::chrono::milliseconds>(*completed.completed_at - *running.started_at).count());
  CHECK(completed.created_at == created.created_at);
  CHECK(flows.get_step(r.id, "parse") == completed);
  for (auto to : {step_status::running, step_status::failed, step_status::pending, step_status::skipped})
    CHECK_THROWS_AS(flows.update_step_status(r.id, "parse", to), stowage::conflict_error);
  CHECK(flows.get_step(r.id, "parse") == completed);

  // pending -> skipped; running -> failed
  flows.create_step({.run_id = r.id, .step_id = "notify", .execution_index = 3});
  CHECK(flows.update_step_status(r.id, "notify", step_status::skipped).completed_at);
  flows.create_step({.run_id = r.id, .step_id = "load", .execution_index = 2});
  flows.update_step_status(r.id, "load", step_status::running);
  CHECK(flows.update_step_status(r.id, "load", step_status::failed).status == step_status::failed);

  // missing steps
  CHECK_THROWS_AS(flows.get_step(r.id, "nope"), stowage::not_found_error);
  CHECK_FALSE(flows.find_step(r.id, "nope"));
  CHECK_THROWS_AS(flows.update_step_status(r.id, "nope", step_status::running), stowage::not_found_error);
  workflow_step ghost = completed;
  ghost.step_id = "nope";
  CHECK_THROWS_AS(flows.update_step(ghost), stowage::not_found_error);

  // steps by execution index; none for an unknown run
  std::vector<std::string> order;
  for (const auto& step : flows.list_steps(r.id)) order.push_back(step.step_id);
  CHECK(order == std::vector<std::string>{"parse", "load", "notify"});
  CHECK(flows.list_steps(stowage::new_uuid()).count() == 0);
}

TEMPLATE_LIST_TEST_CASE("step outputs and run state keep bytes exactly, and state deletes are idempotent",
                        "[conformance][models][workflows]", conformance_backends) {
  store<TestType> s;
  workflows flows{*s};
  const workflow_run r = flows.create_run({.workflow_id = "w"});
  const auto nul = some_bytes({0, 255, 0, 10, 13, 128});

  flows.save_step_output(r.id, "parse", nul);
  CHECK(flows.load_step_output(r.id, "parse") == nul);
  flows.save_step_output(r.id, "parse", some_bytes({1}));  // an upsert
  CHECK(flows.load_step_output(r.id, "parse") == some_bytes({1}));
  flows.save_step_output(r.id, "empty", {});
  CHECK(flows.load_step_output(r.id, "empty").empty());
  CHECK_THROWS_AS(flows.load_step_output(r.id, "nope"), stowage::not_found_error);
  CHECK_THROWS_AS(flows.save_step_output(stowage::new_uuid(), "parse", nul), stowage::not_found_error);

  flows.save_state(r.id, "cursor", nul);
  flows.save_state(r.id, "count", some_bytes({'4', '2'}));
  flows.save_state(r.id, "count", some_bytes({'4', '3'}));
  CHECK(flows.load_state(r.id, "cursor") == nul);
  CHECK(flows.all_state(r.id) ==
        std::map<std::string, stowage::bytes>{{"count", some_bytes({'4', '3'})}, {"cursor", nul}});
  CHECK(flows.delete_state(r.id, "cursor"));
  CHECK_FALSE(flows.delete_state(r.id, "cursor"));
  CHECK_FALSE(flows.delete_state(stowage::new_uuid(), "cursor"));
  CHECK_THROWS_AS(flows.load_state(r.id, "cursor"), stowage::not_found_error);
  CHECK(flows.all_state(r.id).size() == 1);
  CHECK(flows.all_state(stowage::new_uuid()).empty());
  CHECK_THROWS_AS(flows.save_state(stowage::new_uuid(), "k", nul), stowage::not_found_error);
  CHECK_THROWS_AS(flows.save_state(r.id, "", nul), stowage::bad_input_error);
}

TEMPLATE_LIST_TEST_CASE("runs list newest first by workflow, resource and status, in pages stable while runs are added",
                        "[conformance][models][workflows]", conformance_backends) {
  store<TestType> s;
  workflows flows{*s};
  const auto t0 = now_us() - 24h;
  std::vector<workflow_run> all;
  for (int i = 0; i < 24; ++i) {
    // pairs share a creation time, so that the id breaks the tie
    auto r = flows.create_run(run_of(i % 3 ? "ingest" : "report", i % 2 ? "a" : "b", t0 + (i / 2) * 1min));
    if (i % 4 == 0) flows.update_run_status(r.id, run_status::running);
    if (i % 8 == 0) flows.update_run_status(r.id, run_status::completed);
    all.push_back(flows.get_run(r.id));
  }
  auto newest_first = [](const workflow_run& a, const workflow_run& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
  };
  std::sort(all.begin(), all.end(), newest_first);
  auto expected = [&](const run_filter& f) {
    std::vector<stowage::uuid> out;
    for (const auto& r : all)
      if ((!f.workflow_id || r.workflow_id == *f.workflow_id) && (!f.resource_id || r.resource_id == *f.resource_id) &&
          (!f.status || r.status == *f.status))
        out.push_back(r.id);
    return out;
  };
  auto paged = [&](const run_filter& f, std::uint64_t n) {
    std::vector<stowage::uuid> out;
    auto page = flows.list_runs(f).page(n);
    for (;;) {
      for (const auto& r : page) out.push_back(r.id);
      if (!page.next) return out;
      page = flows.list_runs(f).page_after(*page.next, n);
    }
  };
  for (const run_filter& f :
       {run_filter{}, run_filter{.workflow_id = "ingest"}, run_filter{.resource_id = "a"},
        run_filter{.status = run_status::running},
        run_filter{.workflow_id = "report", .resource_id = "b", .status = run_status::completed}}) {
    CHECK(paged(f, 5) == expected(f));
    std::vector<stowage::uuid> whole;  // the query read whole: the same order
    for (const auto& r : flows.list_runs(f)) whole.push_back(r.id);
    CHECK(whole == expected(f));
    CHECK(flows.count_runs(f) == expected(f).size());
  }
  CHECK(flows.list_runs({.workflow_id = "nothing"}).page(5).records.empty());

  // counts by status: 24 runs, 3 completed (0, 8, 16), 3 running (4, 12, 20), 18 pending
  std::map<run_status, std::uint64_t> counts;
  for (const auto& [status, n] : flows.count_runs_by_status()) counts[status] = n;
  CHECK(counts == std::map<run_status, std::uint64_t>{
                      {run_status::pending, 18}, {run_status::running, 3}, {run_status::completed, 3}});
  counts.clear();
  for (const auto& [status, n] : flows.count_runs_by_status({.resource_id = "b"})) counts[status] = n;
  CHECK(counts == std::map<run_status, std::uint64_t>{
                      {run_status::pending, 6}, {run_status::running, 3}, {run_status::completed, 3}});

  // runs added between pages (now, so newer than every listed one) are neither repeated nor make
  // the reader skip an old one
  std::vector<stowage::uuid> seen;
  auto page = flows.list_runs().page(7);
  for (;;) {
    for (const auto& r : page) seen.push_back(r.id);
    if (!page.next) break;
    flows.create_run(run_of("ingest", "a", now_us()));
    flows.create_run(run_of("report", "b", now_us()));
    page = flows.list_runs().page_after(*page.next, 7);
  }
  CHECK(seen == expected({}));
  CHECK(flows.count_runs() == 24 + 2 * 3);
}

TEMPLATE_LIST_TEST_CASE("delete_before deletes old runs with their steps, outputs and state, and counts them",
                        "[conformance][models][workflows]", conformance_backends) {
  store<TestType> s;
  workflows flows{*s};
  const auto t0 = now_us() - 48h;
  // more than one batch of old runs; every fifth one completed
  std::vector<workflow_run> old;
  {
    auto tx = s->transaction();  // one transaction: quick on every backend
    for (int i = 0; i < 260; ++i) {
      auto r = flows.create_run(run_of("w", "a", t0 + i * 1s));
      if (i % 5 == 0) {
        flows.update_run_status(r.id, run_status::running);
        flows.update_run_status(r.id, run_status::completed);
      }
      old.push_back(r);
    }
    tx.commit();
  }
  for (int i : {0, 1, 259}) {
    flows.create_step({.run_id = old[i].id, .step_id = "s"});
    flows.save_step_output(old[i].id, "s", some_bytes({1}));
    flows.save_state(old[i].id, "k", some_bytes({2}));
  }
  const auto young = flows.create_run(run_of("w", "a", now_us()));
  flows.create_step({.run_id = young.id, .step_id = "s"});
  flows.save_step_output(young.id, "s", some_bytes({3}));
  flows.save_state(young.id, "k", some_bytes({4}));

  // the completed ones first: 52 runs, with run 0's records
  CHECK(flows.delete_before(t0 + 1h, run_status::completed) == 52);
  CHECK_FALSE(flows.find_run(old[0].id));
  CHECK(flows.list_steps(old[0].id).count() == 0);
  CHECK_THROWS_AS(flows.load_step_output(old[0].id, "s"), stowage::not_found_error);
  CHECK(flows.all_state(old[0].id).empty());
  CHECK(flows.list_steps(old[1].id).count() == 1);

  // then every old one: 208, in two batches; the young run and its records stay
  CHECK(flows.delete_before(t0 + 1h) == 208);
  CHECK(flows.delete_before(t0 + 1h) == 0);
  CHECK(flows.count_runs() == 1);
  CHECK(s->template table<workflow_step>().count() == 1);
  CHECK(s->template table<workflow_step_output>().count() == 1);
  CHECK(s->template table<workflow_state_entry>().count() == 1);
  CHECK(flows.load_state(young.id, "k") == some_bytes({4}));
}

TEMPLATE_LIST_TEST_CASE("the model's writes are part of the caller's transaction: a failure leaves nothing",
                        "[conformance][models][workflows]", conformance_backends) {
  store<TestType> s;
  workflows flows{*s};
  const workflow_run kept = flows.create_run({.workflow_id = "w"});
  flows.create_step({.run_id = kept.id, .step_id = "s"});
  flows.save_state(kept.id, "k", some_bytes({1}));

  stowage::uuid made{};
  CHECK_THROWS_AS(stowage::transact(*s,
                                    [&] {
                                      made = flows.create_run({.workflow_id = "w"}).id;
                                      flows.create_step({.run_id = made, .step_id = "s"});
                                      flows.save_state(made, "k", some_bytes({2}));
                                      flows.update_run_status(kept.id, run_status::running);
                                      CHECK(flows.delete_before(now_us() + 1h) == 2);
                                      flows.create_step({.run_id = kept.id, .step_id = "s"});  // kept is gone
                                    }),
                  stowage::not_found_error);
  CHECK_FALSE(flows.find_run(made));
  CHECK(flows.get_run(kept.id) == kept);
  CHECK(flows.list_steps(kept.id).count() == 1);
  CHECK(flows.all_state(kept.id).size() == 1);
  CHECK(flows.count_runs() == 1);
}

TEMPLATE_LIST_TEST_CASE("two threads racing a run out of running: exactly one wins, the other gets a conflict",
                        "[conformance][models][workflows][threads]", conformance_backends) {
  store<TestType> s;
  workflows flows{*s, stowage::retry_options().attempts(60)};  // twice the default budget
  for (int round = 0; round < 10; ++round) {
    const auto r = flows.create_run({.workflow_id = "race"});
    flows.update_run_status(r.id, run_status::running);
    std::atomic<int> wins{0}, conflicts{0}, ready{0};
    std::atomic<run_status> winner{run_status::pending};
    auto attempt = [&](run_status to) {
      ++ready;
      while (ready < 2) std::this_thread::yield();
      try {
        flows.update_run_status(r.id, to);
        ++wins;
        winner = to;
      } catch (const stowage::conflict_error&) {
        ++conflicts;
      }
    };
    std::thread a(attempt, run_status::completed), b(attempt, run_status::failed);
    a.join();
    b.join();
    CHECK(wins == 1);
    CHECK(conflicts == 1);
    CHECK(flows.get_run(r.id).status == winner.load());
  }

  // compare-and-swap from one updated_at by four threads: one write lands
  const auto r = flows.create_run({.workflow_id = "cas"});
  std::atomic<int> landed{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      workflow_run mine = r;
      mine.progress = 0.1 * (t + 1);
      try {
        flows.update_run(mine, r.updated_at);
        ++landed;
      } catch (const stowage::conflict_error&) {
        ++refused;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(landed == 1);
  CHECK(refused == 3);
}

TEMPLATE_LIST_TEST_CASE("two processes racing a run out of running: exactly one wins",
                        "[conformance][models][workflows][processes]", conformance_backends) {
  if constexpr (!TestType::persistent) {
    SUCCEED("one process only: the store lives in it");
  } else {
    store<TestType> s;
    workflows flows{*s};
    for (int round = 0; round < 3; ++round) {
      const auto r = flows.create_run({.workflow_id = "race"});
      flows.update_run_status(r.id, run_status::running);
      int go[2];
      REQUIRE(::pipe(go) == 0);
      pid_t children[2];
      const run_status targets[2] = {run_status::completed, run_status::cancelled};
      for (int c = 0; c < 2; ++c) {
        std::cout.flush();
        children[c] = ::fork();
        REQUIRE(children[c] >= 0);
        if (children[c] == 0) {
          // the child: its own database, started when the parent closes the pipe
          int code = 2;
          try {
            ::close(go[1]);
            char byte;
            (void)::read(go[0], &byte, 1);
            auto db = s.another();
            workflows mine{*db};
            try {
              mine.update_run_status(r.id, targets[c]);
              code = 0;
            } catch (const stowage::conflict_error&) {
              code = 1;
            }
          } catch (...) {
          }
          ::_exit(code);
        }
      }
      ::close(go[0]);
      ::close(go[1]);
      int codes[2];
      for (int c = 0; c < 2; ++c) {
        int status = 0;
        REQUIRE(::waitpid(children[c], &status, 0) == children[c]);
        codes[c] = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      CHECK(std::count(codes, codes + 2, 0) == 1);
      CHECK(std::count(codes, codes + 2, 1) == 1);
      const int won = codes[0] == 0 ? 0 : 1;
      CHECK(flows.get_run(r.id).status == targets[won]);
    }
  }
}
