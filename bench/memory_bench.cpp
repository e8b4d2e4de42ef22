// stowage's memory backend against the containers a program would write by hand for the same job:
// a std::unordered_map from key to record, and a std::set of (time, key) as the ordered index the
// range query walks. Same data, same process.
//
//   memory_bench [rows] [--reps=N] [--phase=SIDE-WORKLOAD|list]
//
// rows defaults to 200000, reps to 5. Each repetition starts from empty containers and an empty
// database<memory> and runs four workloads, alternating which side goes first:
//
//   1. put every row, one call each (stowage: table::put, an upsert; raw: insert or assign, the
//      index entry moved when the time changes);
//   2. point get of every row by key, in one shuffled order, each record copied out (stowage
//      returns a std::optional<Event>);
//   3. a range query on the indexed time returning 10% of the rows, as a snapshot of copies
//      (stowage: table::query; raw: the index's range, each record copied into a vector);
//   4. erase every row by key, in the shuffled order.
//
// Times are the thread's CPU time (nothing waits here). It fails (exit 1) when the two sides read
// back different data; it never judges timings.
//
// --phase=raw-get (raw or stowage; put, get, range or erase) runs that one workload of that one
// side once, after its setup (the rows put first, for get, range and erase), inside
// bench_common::measured_phase, and prints its rows and digest: bench/instructions.py runs each
// under callgrind and prints instructions per row for both sides.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stowage/stowage.hpp>

#include "common.hpp"
#include "events.hpp"

namespace {

using namespace bench_common;
using namespace bench_events;

struct options {
  std::size_t rows = 200000;
  int reps = 5;
  std::optional<phase_choice> phase;
};

constexpr std::initializer_list<phase_info> workloads = {{"put", 1.5}, {"get", 1.5}, {"range", 1.5}, {"erase", 1.5}};

options parse(int argc, char** argv) {
  const command_line cl("memory_bench", "memory_bench [rows] [--reps=N] [--phase=raw-WORKLOAD|stowage-WORKLOAD|list]");
  options o;
  cl.parse(argc, argv, o.rows, o.reps, [&](std::string_view a) {
    if (auto v = option_value(a, "--phase="))
      o.phase = parse_phase(cl, *v, workloads);
    else
      return false;
    return true;
  });
  return o;
}

// digest as an object, so that the compiler inlines it into both sides' loops alike.
constexpr auto inlined_digest = [](const Event& e) { return digest(e); };

// ---------------------------------------------------------------------------------------------
// The raw side: the containers written by hand.

class raw_store {
 public:
  void put(const Event& e) {
    auto [it, inserted] = rows_.try_emplace(e.id, e);
    if (!inserted) {
      if (it->second.time != e.time) {
        by_time_.erase({it->second.time, e.id});
        by_time_.emplace(e.time, e.id);
      }
      it->second = e;
      return;
    }
    by_time_.emplace(e.time, e.id);
  }

  std::optional<Event> get(std::int64_t id) const {
    auto it = rows_.find(id);
    if (it == rows_.end()) return std::nullopt;
    return it->second;
  }

  /// The records with lo <= time < hi, in time order.
  std::vector<Event> range(std::int64_t lo, std::int64_t hi) const {
    std::vector<Event> out;
    const auto end = by_time_.lower_bound({hi, INT64_MIN});
    for (auto it = by_time_.lower_bound({lo, INT64_MIN}); it != end; ++it)
      out.push_back(rows_.find(it->second)->second);
    return out;
  }

  bool erase(std::int64_t id) {
    auto it = rows_.find(id);
    if (it == rows_.end()) return false;
    by_time_.erase({it->second.time, id});
    rows_.erase(it);
    return true;
  }

 private:
  std::unordered_map<std::int64_t, Event> rows_;
  std::set<std::pair<std::int64_t, std::int64_t>> by_time_;  // (time, id)
};

void raw_puts(raw_store& s, const std::vector<Event>& events) {
  for (const Event& e : events) s.put(e);
}

std::uint64_t raw_gets(const raw_store& s, const std::vector<std::int64_t>& keys) {
  std::uint64_t sum = 0;
  for (std::int64_t k : keys)
    if (auto e = s.get(k)) sum += inlined_digest(*e);
  return sum;
}

std::pair<std::uint64_t, std::size_t> raw_range(const raw_store& s, std::int64_t lo, std::int64_t hi) {
  return digest_rows(s.range(lo, hi), inlined_digest);
}

/// The keys erased, summed, so that both sides can be checked to erase the same rows.
std::uint64_t raw_erases(raw_store& s, const std::vector<std::int64_t>& keys) {
  std::uint64_t sum = 0;
  for (std::int64_t k : keys)
    if (s.erase(k)) sum += static_cast<std::uint64_t>(k);
  return sum;
}

// ---------------------------------------------------------------------------------------------
// The stowage side.

using store = stowage::database<stowage::memory>;
using table = stowage::table<Event, stowage::memory>;

void stowage_puts(table& t, const std::vector<Event>& events) {
  for (const Event& e : events) t.put(e);
}

std::pair<std::uint64_t, std::size_t> stowage_range(const table& t, std::int64_t lo, std::int64_t hi) {
  using stowage::where;
  return digest_rows(t.query(where<&Event::time> >= lo && where<&Event::time> < hi), inlined_digest);
}

std::uint64_t stowage_erases(table& t, const std::vector<std::int64_t>& keys) {
  std::uint64_t sum = 0;
  for (std::int64_t k : keys)
    if (t.erase(k)) sum += static_cast<std::uint64_t>(k);
  return sum;
}

// ---------------------------------------------------------------------------------------------

int run(const options& o) {
  const data_set d = make_data(o.rows);
  const std::size_t n = o.rows;
  std::printf("stowage memory benchmark: %zu rows (the event record of sqlite_bench); %d repetitions, alternating\n", n,
              o.reps);
  std::printf("which side runs first; raw: std::unordered_map<id, Event> and std::set<(time, id)>\n");
  mismatches check;
  samples put, get, range, erase;
  for (int rep = 0; rep < o.reps; ++rep) {
    raw_store raw;
    store sdb{"memory:"};
    auto t = sdb.table<Event>();
    const turn_order in_turn{rep % 2 == 0};

    in_turn([&] { timed(put.raw, n, [&] { raw_puts(raw, d.events); }); },
            [&] { timed(put.stowage, n, [&] { stowage_puts(t, d.events); }); });

    std::uint64_t rsum = 0, ssum = 0;
    in_turn([&] { timed(get.raw, n, [&] { rsum = raw_gets(raw, d.probe); }); },
            [&] { timed(get.stowage, n, [&] { ssum = stowage_gets(t, d.probe, inlined_digest); }); });
    check.expect_same("point gets", rsum, ssum);

    std::pair<std::uint64_t, std::size_t> rr, sr;
    in_turn([&] { timed(range.raw, d.range_rows, [&] { rr = raw_range(raw, d.lo, d.hi); }); },
            [&] { timed(range.stowage, d.range_rows, [&] { sr = stowage_range(t, d.lo, d.hi); }); });
    check.expect_same("range query (rows)", rr.second, sr.second);
    check.expect_same("range query (expected rows)", d.range_rows, sr.second);
    check.expect_same("range query (digest)", rr.first, sr.first);

    in_turn([&] { timed(erase.raw, n, [&] { rsum = raw_erases(raw, d.probe); }); },
            [&] { timed(erase.stowage, n, [&] { ssum = stowage_erases(t, d.probe); }); });
    check.expect_same("erase", rsum, ssum);
    check.expect_same("rows left after erase", std::uint64_t{0}, t.count());
    std::fflush(stdout);
  }

  std::printf(
      "\nns/row of the thread's CPU time (nothing here waits: CPU time is less disturbed than the wall clock\n"
      "by other processes): median of %d (best in brackets); ratio = stowage/raw, medians (bests); target\n"
      "judged on the median ratio, for information only\n",
      o.reps);
  results_table table({28, 16, 15, 8}, "raw ns/row", "stowage ns/row");
  table.print_header();
  table.print_medians("put, one row a call", put.raw.cpu, put.stowage.cpu, target{"put", 1.5}, 1, 1);
  table.print_medians("point get, random order", get.raw.cpu, get.stowage.cpu, target{"get", 1.5}, 1, 1);
  table.print_medians(formatted("range query, %zu rows", d.range_rows), range.raw.cpu, range.stowage.cpu,
                      target{"range", 1.5}, 1, 1);
  table.print_medians("erase, random order", erase.raw.cpu, erase.stowage.cpu, target{"erase", 1.5}, 1, 1);
  return finish(table, check, mirror_warnings{});
}

/// --phase: one workload of one side, alone.
int run_phase(const options& o) {
  const data_set d = make_data(o.rows);
  const phase_choice& p = *o.phase;
  std::uint64_t sum = 0;
  std::size_t rows = o.rows;
  series time;
  auto measure = [&](auto&& f) { timed(time, 1, [&] { measured_phase(f); }); };
  if (!p.stowage) {
    raw_store raw;
    if (p.workload != "put") raw_puts(raw, d.events);
    if (p.workload == "put") measure([&] { raw_puts(raw, d.events); });
    if (p.workload == "get") measure([&] { sum = raw_gets(raw, d.probe); });
    if (p.workload == "range") measure([&] { std::tie(sum, rows) = raw_range(raw, d.lo, d.hi); });
    if (p.workload == "erase") measure([&] { sum = raw_erases(raw, d.probe); });
    if (p.workload == "put") sum = raw_gets(raw, d.probe);
  } else {
    store sdb{"memory:"};
    auto t = sdb.table<Event>();
    if (p.workload != "put") stowage_puts(t, d.events);
    if (p.workload == "put") measure([&] { stowage_puts(t, d.events); });
    if (p.workload == "get") measure([&] { sum = stowage_gets(t, d.probe, inlined_digest); });
    if (p.workload == "range") measure([&] { std::tie(sum, rows) = stowage_range(t, d.lo, d.hi); });
    if (p.workload == "erase") measure([&] { sum = stowage_erases(t, d.probe); });
    if (p.workload == "put") sum = stowage_gets(t, d.probe, inlined_digest);
  }
  print_phase(p, rows, sum, time.wall[0] / 1e9);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  return report_errors("memory_bench", [&] { return o.phase ? run_phase(o) : run(o); });
}
