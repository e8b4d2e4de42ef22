// The harness the benchmarks share: the command line, the working directory, timing, the checks
// that both sides agree, and the printed table of results. Header-only; each benchmark program
// includes it once.
#pragma once

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace bench_common {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Text.

/// printf into a std::string.
__attribute__((format(printf, 1, 2))) inline std::string formatted(const char* format, ...) {
  char buf[256];
  va_list args;
  va_start(args, format);
  const int len = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (len < 0) return {};
  if (static_cast<std::size_t>(len) < sizeof buf) return std::string(buf, static_cast<std::size_t>(len));
  std::string out(static_cast<std::size_t>(len) + 1, '\0');
  va_start(args, format);
  std::vsnprintf(out.data(), out.size(), format, args);
  va_end(args);
  out.pop_back();
  return out;
}

/// A table cell "value (bracketed)", both with `decimals` digits after the point: a median and
/// its best, or a wall-clock time and its CPU time.
inline std::string cell(double value, double bracketed, int decimals) {
  return formatted("%.*f (%.*f)", decimals, value, decimals, bracketed);
}

// ---------------------------------------------------------------------------------------------
// The command line.

/// The text after `prefix` when `arg` starts with it ("--reps=" and "--reps=5" give "5").
inline std::optional<std::string_view> option_value(std::string_view arg, std::string_view prefix) {
  if (!arg.starts_with(prefix)) return std::nullopt;
  return arg.substr(prefix.size());
}

/// A benchmark's name and usage text, for reading its command line and reporting mistakes in it.
class command_line {
 public:
  /// usage: what follows "usage: " in the message, without the final newline.
  command_line(const char* program, const char* usage) : program_(program), usage_(usage) {}

  /// Prints "<program>: <why>" and the usage text on stderr and exits with status 2.
  [[noreturn]] void fail(const char* why) const {
    std::fprintf(stderr, "%s: %s\nusage: %s\n", program_, why, usage_);
    std::exit(2);
  }

  /// A positive decimal number, or fail().
  std::size_t positive(std::string_view text) const {
    const std::string s(text);
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v == 0) fail("expected a positive number");
    return static_cast<std::size_t>(v);
  }

  /// Which of the shared arguments the command line gave.
  struct given {
    bool rows = false, reps = false;
  };

  /// Reads argv: a bare number sets rows, --reps=N sets reps, and every other argument goes to
  /// other(arg), which returns false for one it does not know. rows must be at least 10.
  template <class Other>
  given parse(int argc, char** argv, std::size_t& rows, int& reps, Other&& other) const {
    given g;
    for (int i = 1; i < argc; ++i) {
      const std::string_view a = argv[i];
      if (auto v = option_value(a, "--reps=")) {
        reps = static_cast<int>(positive(*v));
        g.reps = true;
      } else if (!a.starts_with("-")) {
        rows = positive(a);
        g.rows = true;
      } else if (!other(a)) {
        fail("unknown option");
      }
    }
    if (rows < 10) fail("rows must be at least 10");
    return g;
  }

 private:
  const char* program_;
  const char* usage_;
};

// ---------------------------------------------------------------------------------------------
// Running.

/// Runs body() and returns its exit status; an exception is reported on stderr as
/// "<program>: <what>" and gives status 1.
template <class Body>
int report_errors(const char* program, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return 1;
  }
}

/// Runs body(dir) and returns its exit status. An empty dir stands for a fresh directory
/// <temp>/<prefix><random number>, removed afterwards. An exception is reported as
/// report_errors does.
template <class Body>
int run_in_directory(const char* program, fs::path dir, std::string_view prefix, Body&& body) {
  const bool own_dir = dir.empty();
  try {
    if (own_dir) {
      std::random_device rd;
      dir = fs::temp_directory_path() / (std::string(prefix) + std::to_string(rd()));
    }
    fs::create_directories(dir);
    const int rc = body(dir);
    if (own_dir) fs::remove_all(dir);
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    if (own_dir) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Timing.

/// The CPU time a stopwatch reads besides the wall clock: the calling thread's, or the whole
/// process's (with any threads a client library runs).
enum class cpu_clock { thread, process };

/// CPU time used so far (user and system), in nanoseconds.
inline std::int64_t cpu_ns(cpu_clock which) {
  timespec ts{};
  ::clock_gettime(which == cpu_clock::thread ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// The times of one side of a workload, one per repetition, in nanoseconds per unit of work
/// (a row, a record, a query).
struct series {
  std::vector<double> wall, cpu;
};

/// Both sides of a workload.
struct samples {
  series raw, stowage;
};

/// Wall-clock and CPU time summed over the runs it times.
class stopwatch {
 public:
  explicit stopwatch(cpu_clock clock = cpu_clock::thread) : clock_(clock) {}

  template <class F>
  void run(F&& f) {
    const std::int64_t cpu0 = cpu_ns(clock_);
    const auto wall0 = clock_type::now();
    f();
    wall_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - wall0).count();
    cpu_ns_ += cpu_ns(clock_) - cpu0;
  }

  /// Adds the time so far, per unit of work out of `count`, to `out`.
  void record(series& out, std::size_t count) const {
    out.wall.push_back(static_cast<double>(wall_ns_) / static_cast<double>(count));
    out.cpu.push_back(static_cast<double>(cpu_ns_) / static_cast<double>(count));
  }

 private:
  cpu_clock clock_;
  std::int64_t wall_ns_ = 0, cpu_ns_ = 0;
};

/// Times one run of f, `count` units of work, into `out`.
template <class F>
void timed(series& out, std::size_t count, cpu_clock clock, F&& f) {
  stopwatch w(clock);
  w.run(f);
  w.record(out, count);
}

/// The same, with the calling thread's CPU time.
template <class F>
void timed(series& out, std::size_t count, F&& f) {
  timed(out, count, cpu_clock::thread, f);
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

inline double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

/// Runs the two sides of a workload one after the other, the raw side first when raw_first.
/// The benchmarks alternate it, so that neither side always meets the warmer cache.
struct turn_order {
  bool raw_first;

  template <class Raw, class Stowage>
  void operator()(Raw&& raw_side, Stowage&& stowage_side) const {
    if (raw_first) {
      raw_side();
      stowage_side();
    } else {
      stowage_side();
      raw_side();
    }
  }
};

/// stowage's point gets: t.get(key) for every key, the digests of the records found summed.
template <class Table, class Digest>
std::uint64_t stowage_gets(const Table& t, const std::vector<std::int64_t>& keys, Digest&& digest) {
  std::uint64_t sum = 0;
  for (std::int64_t k : keys)
    if (auto record = t.get(k)) sum += digest(*record);
  return sum;
}

/// The digests of the records a query returns, summed, and how many it returned.
template <class Rows, class Digest>
std::pair<std::uint64_t, std::size_t> digest_rows(Rows&& rows, Digest&& digest) {
  std::uint64_t sum = 0;
  std::size_t n = 0;
  for (const auto& record : rows) {
    sum += digest(record);
    ++n;
  }
  return {sum, n};
}

// ---------------------------------------------------------------------------------------------
// One phase alone, for instruction counts.

/// A workload a benchmark can run alone with --phase=raw-<name> or --phase=stowage-<name>, and the
/// target for its instruction ratio stowage/raw (bench/instructions.py reads them from
/// --phase=list).
struct phase_info {
  const char* name;
  double target;
};

/// Which side and workload --phase=<side>-<workload> names.
struct phase_choice {
  bool stowage = false;
  std::string workload;
};

/// Reads the value of --phase: "list" prints the workloads with their targets and exits;
/// otherwise <side>-<workload> out of `workloads`, or cl.fail().
inline phase_choice parse_phase(const command_line& cl, std::string_view v,
                                std::initializer_list<phase_info> workloads) {
  if (v == "list") {
    for (const phase_info& w : workloads) std::printf("%s %.2f\n", w.name, w.target);
    std::exit(0);
  }
  phase_choice c;
  if (v.starts_with("raw-")) {
    v.remove_prefix(4);
  } else if (v.starts_with("stowage-")) {
    v.remove_prefix(8);
    c.stowage = true;
  } else {
    cl.fail("--phase takes raw-<workload>, stowage-<workload> or list");
  }
  for (const phase_info& w : workloads)
    if (v == w.name) c.workload = w.name;
  if (c.workload.empty()) cl.fail("--phase names an unknown workload (--phase=list lists them)");
  return c;
}

/// Runs f once. Run under callgrind with --collect-atstart=no --toggle-collect='*measured_phase*'
/// (as bench/instructions.py does), a benchmark counts the instructions of f alone: not its setup
/// (the data set, opening, filling the table a read phase reads). noinline keeps the function a
/// frame of its own for callgrind to find.
template <class F>
__attribute__((noinline)) void measured_phase(F&& f) {
  f();
}

/// The line bench/instructions.py reads after a phase: how many rows it handled (the unit of its
/// instructions per row) and a digest of what it read or wrote, the same on both sides.
inline void print_phase(const phase_choice& c, std::size_t rows, std::uint64_t digest, double seconds) {
  std::printf("phase %s-%s: %zu rows, digest %llu, %.3f s\n", c.stowage ? "stowage" : "raw", c.workload.c_str(), rows,
              static_cast<unsigned long long>(digest), seconds);
}

// ---------------------------------------------------------------------------------------------
// Checks.

/// Counts the places where the two sides read or stored different data, or not what was
/// expected, printing each as "MISMATCH in <what>: <a> vs <b>". Any makes the exit status 1.
class mismatches {
 public:
  template <class A, class B>
  void expect_same(const char* what, const A& a, const B& b) {
    if (a == b) return;
    std::printf("MISMATCH in %s: %s vs %s\n", what, text(a).c_str(), text(b).c_str());
    ++count_;
  }
  /// Adds mismatches found and reported elsewhere.
  void add(int n) { count_ += n; }
  int count() const { return count_; }
  int exit_status() const { return count_ ? 1 : 0; }

 private:
  template <class T>
  static std::string text(const T& v) {
    if constexpr (std::is_arithmetic_v<T>)
      return std::to_string(v);
    else
      return std::string(v);
  }
  int count_ = 0;
};

/// Counts the signs that the raw side may not mirror what stowage does (schema, statements,
/// settings), printing each as "WARNING: ...". Timings go on regardless.
class mirror_warnings {
 public:
  void warn(const std::string& what) {
    std::printf("WARNING: %s\n", what.c_str());
    ++count_;
  }
  /// Warns, listing both, when the descriptions of stowage's and the raw side's `thing` (their
  /// schema, their table) differ.
  void expect_same(const char* thing, const std::vector<std::string>& stowage, const std::vector<std::string>& raw) {
    if (stowage == raw) return;
    std::string s = formatted("the raw side's %s differs from stowage's:", thing);
    for (auto& r : stowage) s += "\n  stowage: " + r;
    for (auto& r : raw) s += "\n  raw:     " + r;
    warn(s);
  }
  /// Warns for each of the raw side's statements that stowage did not run (`verb` "run" /
  /// `past` "ran", or "prepare" / "prepared"), listing those it did.
  void expect_statements(std::initializer_list<std::string_view> raw_statements, const std::vector<std::string>& seen,
                         const char* verb, const char* past) {
    for (std::string_view sql : raw_statements) {
      if (std::find(seen.begin(), seen.end(), sql) != seen.end()) continue;
      std::string s = formatted("stowage did not %s the raw side's statement\n  ", verb) + std::string(sql);
      s += formatted("\nit %s:", past);
      for (auto& r : seen) s += "\n  " + r;
      warn(s);
    }
  }
  int count() const { return count_; }
  /// "<n> warning(s): ..." when there were any.
  void print_count() const {
    if (count_) std::printf("%d warning(s): the raw side may not mirror stowage; see above\n", count_);
  }

 private:
  int count_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The table of results.

/// A target for a ratio stowage/raw, for information only: met when the ratio is at most
/// `limit`. `name` is what the summary line calls it.
struct target {
  const char* name;
  double limit;
};

/// Widths of a results table's columns; target 0 leaves the target column out.
struct column_widths {
  int name, side, ratio, target;
};

/// The printed comparison of the two sides: a row per workload with the raw and stowage cells,
/// the ratio stowage/raw and, where there is a target column, the target and whether the ratio
/// meets it; then a summary line of the targets.
class results_table {
 public:
  results_table(column_widths widths, const char* raw_title, const char* stowage_title)
      : w_(widths), raw_title_(raw_title), stowage_title_(stowage_title) {}

  void print_header() const { print_line("workload", raw_title_, stowage_title_, "ratio", "target"); }

  /// A row comparing times, one per repetition: each side's median with its best in brackets,
  /// divided by `unit` and shown with `decimals` digits after the point; the ratio stowage/raw
  /// of the medians, with that of the bests. A target is judged on the ratio of the medians.
  void print_medians(const std::string& name, const std::vector<double>& raw, const std::vector<double>& stowage,
                     std::optional<target> t = std::nullopt, double unit = 1, int decimals = 0) {
    const double ratio = median(stowage) / median(raw);
    print_row(name, cell(median(raw) / unit, best(raw) / unit, decimals),
              cell(median(stowage) / unit, best(stowage) / unit, decimals), ratio,
              cell(ratio, best(stowage) / best(raw), 3), t);
  }

  /// A row comparing wall-clock times, each side's median with its median CPU time in brackets;
  /// the ratio stowage/raw of the wall-clock medians, judged against the target.
  void print_medians_with_cpu(const std::string& name, const series& raw, const series& stowage,
                              std::optional<target> t = std::nullopt) {
    const double ratio = median(stowage.wall) / median(raw.wall);
    print_row(name, cell(median(raw.wall), median(raw.cpu), 0), cell(median(stowage.wall), median(stowage.cpu), 0),
              ratio, formatted("%.3f", ratio), t);
  }

  /// "summary: <met> of <n> targets met: <name> <ratio> (ok|MISS <= <limit>), ...", noting
  /// data mismatches, after a blank line.
  void print_summary(const mismatches& m) const {
    std::string list;
    int met = 0;
    for (const verdict& v : verdicts_) {
      const bool ok = v.ratio <= v.goal.limit;
      list += formatted("%s%s %.2f (%s <= %.2f)", list.empty() ? "" : ", ", v.goal.name, v.ratio, ok ? "ok" : "MISS",
                        v.goal.limit);
      met += ok;
    }
    std::printf("\nsummary: %d of %zu targets met: %s%s\n", met, verdicts_.size(), list.c_str(),
                m.count() ? "; DATA MISMATCHES, see above" : "");
  }

 private:
  struct verdict {
    target goal;
    double ratio;
  };

  void print_row(const std::string& name, const std::string& raw, const std::string& stowage, double ratio,
                 const std::string& ratio_text, std::optional<target> t) {
    std::string target_cell = "-";
    if (t) {
      target_cell = formatted("%.2f %s", t->limit, ratio <= t->limit ? "ok" : "MISS");
      verdicts_.push_back({*t, ratio});
    }
    print_line(name, raw, stowage, ratio_text, target_cell);
  }

  void print_line(const std::string& name, const std::string& raw, const std::string& stowage, const std::string& ratio,
                  const std::string& target_cell) const {
    std::printf("%-*s %*s %*s %*s", w_.name, name.c_str(), w_.side, raw.c_str(), w_.side, stowage.c_str(), w_.ratio,
                ratio.c_str());
    if (w_.target > 0) std::printf(" %*s", w_.target, target_cell.c_str());
    std::printf("\n");
  }

  column_widths w_;
  const char* raw_title_;
  const char* stowage_title_;
  std::vector<verdict> verdicts_;
};

/// The end of a run: the summary line of the targets and the count of warnings; returns the
/// exit status.
inline int finish(const results_table& table, const mismatches& check, const mirror_warnings& warnings) {
  table.print_summary(check);
  warnings.print_count();
  return check.exit_status();
}

}  // namespace bench_common
