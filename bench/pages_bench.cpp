// Keyset pages against LIMIT/OFFSET pages on SQLite: reading page 1, a middle page and the last
// page of a large table, with the raw sqlite3 C API and with stowage side by side, in one process,
// on the same database file.
//
//   pages_bench [rows] [--reps=N] [--page=N] [--dir=PATH]
//
// rows defaults to 1000000, reps to 5, page (the page size) to 100, dir to a fresh directory under
// the system temp directory (removed afterwards). The table, built by stowage's put_many in one
// transaction, holds entries (int64 id, int64 priority in 0..999 with many ties, indexed, and a
// short title); every query orders by (priority, id). Pages read: 1, min(100, last / 2) and the
// last (page 100 and page 10,000 at the defaults: rows 9,901..10,000 and 999,901..1,000,000).
//
//   keyset: stowage's query.order_by<&Entry::priority>().page_after(token, n); the raw side runs the
//           statement stowage runs for it (checked at startup), a UNION ALL of two index ranges,
//           ("priority" = ?1 AND "id" > ?2) and ("priority" > ?4), each ORDER BY "priority", "id"
//           LIMIT n + 1 (the extra row tells stowage that a next page exists), the union sorted
//           again (SQL does not promise the arms' order) and limited to n + 1; and, for
//           information, the row-value form WHERE ("priority", "id") > (?1, ?2), which SQLite
//           serves with a range on priority alone (so it reads through the equal priorities
//           before the position);
//   offset: stowage's query.order_by<&Entry::priority>().order_by<&Entry::id>().offset(k).limit(n);
//           the raw side runs SELECT ... ORDER BY "priority" ASC, "id" ASC LIMIT ?1 OFFSET ?2.
//
// Each timing is the median over reps of the mean of a batch of calls (at least 20 ms or 1000
// calls each). The program fails (exit 1) when the sides or the two ways read different rows;
// it never judges timings.
#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <stowage/sqlite.hpp>

#include "common.hpp"

struct Entry {
  BOOST_HANA_DEFINE_STRUCT(Entry, (std::int64_t, id), (std::int64_t, priority), (std::string, title));
};

template <>
struct stowage::record_traits<Entry> {
  static constexpr std::string_view table = "entries";
  using indexes = std::tuple<stowage::index<&Entry::priority>>;
};

namespace {

namespace fs = std::filesystem;
using namespace bench_common;

constexpr std::string_view sql_first =
    R"(SELECT "id", "priority", "title" FROM "entries" ORDER BY "priority" ASC, "id" ASC LIMIT ?1)";
// stowage's seek on SQLite: one arm per order term, each one index range (sql::builder::seek_arms)
constexpr std::string_view sql_keyset =
    R"(SELECT * FROM (SELECT * FROM (SELECT "id", "priority", "title" FROM "entries" WHERE "priority" = ?1 )"
    R"(AND "id" > ?2 ORDER BY "priority" ASC, "id" ASC LIMIT ?3) UNION ALL SELECT * FROM (SELECT "id", )"
    R"("priority", "title" FROM "entries" WHERE "priority" > ?4 ORDER BY "priority" ASC, "id" ASC LIMIT ?5)) )"
    R"(ORDER BY "priority" ASC, "id" ASC LIMIT ?6)";
// the row-value form, for information: SQLite serves it with a range on priority alone
constexpr std::string_view sql_row_value =
    R"(SELECT "id", "priority", "title" FROM "entries" WHERE ("priority", "id") > (?1, ?2) )"
    R"(ORDER BY "priority" ASC, "id" ASC LIMIT ?3)";
constexpr std::string_view sql_offset =
    R"(SELECT "id", "priority", "title" FROM "entries" ORDER BY "priority" ASC, "id" ASC LIMIT ?1 OFFSET ?2)";

struct options {
  std::size_t rows = 1000000;
  int reps = 5;
  std::size_t page = 100;
  fs::path dir;
};

options parse(int argc, char** argv) {
  const command_line cl("pages_bench", "pages_bench [rows] [--reps=N] [--page=N] [--dir=PATH]");
  options o;
  cl.parse(argc, argv, o.rows, o.reps, [&](std::string_view a) {
    if (auto v = option_value(a, "--page="))
      o.page = cl.positive(*v);
    else if (auto v = option_value(a, "--dir="))
      o.dir = std::string(*v);
    else
      return false;
    return true;
  });
  return o;
}

// ---------------------------------------------------------------------------------------------
// The raw side.

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string("raw sqlite: ") + what + ": " + sqlite3_errmsg(db));
}

struct stmt {
  sqlite3_stmt* p = nullptr;
  stmt(sqlite3* db, std::string_view sql) {
    check(sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &p, nullptr), db,
          "prepare");
  }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;
  ~stmt() { sqlite3_finalize(p); }
};

/// One page as the sides read it: the rows decoded into records, and a digest of them.
struct page_read {
  std::vector<Entry> rows;
  std::uint64_t digest = 0;
};

std::uint64_t digest(const std::vector<Entry>& rows) {
  std::uint64_t h = 0;
  for (const Entry& e : rows) h = h * 1000003 + static_cast<std::uint64_t>(e.id) * 31 + e.title.size();
  return h;
}

class raw_side {
 public:
  explicit raw_side(const fs::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      sqlite3_close_v2(db_);
      throw std::runtime_error("raw sqlite: cannot open " + file.string());
    }
    first_.emplace(db_, sql_first);
    keyset_.emplace(db_, sql_keyset);
    row_value_.emplace(db_, sql_row_value);
    offset_.emplace(db_, sql_offset);
  }
  raw_side(const raw_side&) = delete;
  raw_side& operator=(const raw_side&) = delete;
  ~raw_side() {
    first_.reset();
    keyset_.reset();
    row_value_.reset();
    offset_.reset();
    sqlite3_close_v2(db_);
  }

  /// The page after (priority, id), or the first page; n + 1 rows read, n kept.
  std::vector<Entry> keyset(const std::optional<Entry>& after, std::size_t n) {
    sqlite3_stmt* s = after ? keyset_->p : first_->p;
    const auto limit = static_cast<sqlite3_int64>(n + 1);
    if (after)
      check(sqlite3_bind_int64(s, 1, after->priority) | sqlite3_bind_int64(s, 2, after->id) |
                sqlite3_bind_int64(s, 3, limit) | sqlite3_bind_int64(s, 4, after->priority) |
                sqlite3_bind_int64(s, 5, limit) | sqlite3_bind_int64(s, 6, limit),
            db_, "bind");
    else
      check(sqlite3_bind_int64(s, 1, limit), db_, "bind");
    auto rows = read(s);
    if (rows.size() > n) rows.pop_back();
    return rows;
  }
  /// The same page with the row-value seek.
  std::vector<Entry> row_value(const std::optional<Entry>& after, std::size_t n) {
    if (!after) return keyset(after, n);
    sqlite3_stmt* s = row_value_->p;
    check(sqlite3_bind_int64(s, 1, after->priority) | sqlite3_bind_int64(s, 2, after->id) |
              sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(n + 1)),
          db_, "bind");
    auto rows = read(s);
    if (rows.size() > n) rows.pop_back();
    return rows;
  }
  std::vector<Entry> offset(std::size_t skip, std::size_t n) {
    sqlite3_stmt* s = offset_->p;
    check(sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(n)) |
              sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(skip)),
          db_, "bind");
    return read(s);
  }

 private:
  std::vector<Entry> read(sqlite3_stmt* s) {
    std::vector<Entry> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      auto text = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
      out.push_back(Entry{sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                          std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(s, 2)))});
    }
    check(rc, db_, "step");
    sqlite3_reset(s);
    return out;
  }

  sqlite3* db_ = nullptr;
  std::optional<stmt> first_, keyset_, row_value_, offset_;
};

/// Calls f in batches until a batch takes at least 20 ms or holds 1000 calls; returns the mean
/// time of a call in the last batch, in nanoseconds.
template <class F>
double time_call(F&& f) {
  for (std::size_t calls = 1;; calls *= 4) {
    const auto t0 = clock_type::now();
    for (std::size_t i = 0; i < calls; ++i) f();
    const double ns =
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t0).count());
    if (ns >= 20e6 || calls >= 1000) return ns / static_cast<double>(calls);
  }
}

int run(const options& o, const fs::path& dir) {
  const fs::path file = dir / "pages.db";
  const std::size_t n = o.page, last = (o.rows + n - 1) / n;
  const std::size_t pages[] = {1, std::max<std::size_t>(1, std::min<std::size_t>(100, last / 2)), last};
  std::printf(
      "stowage pages benchmark: %zu rows (int64 id, int64 priority with ties, indexed, ~20-char title), "
      "pages of %zu ordered by (priority, id)\n",
      o.rows, n);
  std::printf("SQLite %s; file %s; %d repetitions\n", sqlite3_libversion(), file.string().c_str(), o.reps);

  stowage::database<stowage::sqlite> db{"file:" + file.string()};
  auto t = db.table<Entry>();
  {
    std::mt19937_64 rng(20261126);
    std::vector<Entry> entries;
    entries.reserve(o.rows);
    for (std::size_t i = 0; i < o.rows; ++i)
      entries.push_back(Entry{static_cast<std::int64_t>(i) + 1, static_cast<std::int64_t>(rng() % 1000),
                              "entry title " + std::to_string(rng() % 100000000)});
    const auto t0 = clock_type::now();
    t.put_many(entries);  // one transaction
    std::printf("table built in %.2f s (put_many, one transaction)\n",
                std::chrono::duration<double>(clock_type::now() - t0).count());
  }
  const auto q = t.query().order_by<&Entry::priority>();
  const auto by_offset = t.query().order_by<&Entry::priority>().order_by<&Entry::id>();

  // the token that starts each measured page, and the raw side's position for it, found by
  // reading every page once (timed, for information)
  std::vector<std::optional<std::string>> tokens(3);
  std::vector<std::optional<Entry>> positions(3);
  std::size_t all_rows = 0;
  const auto t0 = clock_type::now();
  auto p = q.page(n);
  for (std::size_t k = 1;; ++k) {
    all_rows += p.size();
    for (int i = 0; i < 3; ++i)
      if (pages[i] == k + 1)
        tokens[static_cast<std::size_t>(i)] = p.next, positions[static_cast<std::size_t>(i)] = p.records.back();
    if (!p.next) break;
    p = q.page_after(*p.next, n);
  }
  const double walk = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::printf("every page read once by keyset: %zu rows in %.2f s\n", all_rows, walk);

  // the statement stowage runs for a page after a token, seen through sqlite3_trace_v2
  mirror_warnings warnings;
  {
    std::vector<std::string> seen;
    sqlite3* h = db.backend().native_handle();
    sqlite3_trace_v2(
        h, SQLITE_TRACE_STMT,
        [](unsigned, void* ctx, void* stmt, void*) -> int {
          static_cast<std::vector<std::string>*>(ctx)->emplace_back(sqlite3_sql(static_cast<sqlite3_stmt*>(stmt)));
          return 0;
        },
        &seen);
    if (tokens[2]) (void)q.page_after(*tokens[2], n);
    sqlite3_trace_v2(h, 0, nullptr, nullptr);
    if (tokens[2]) warnings.expect_statements({sql_keyset}, seen, "run", "ran");
  }
  raw_side raw(file);
  mismatches check;
  check.expect_same("rows read page by page", all_rows, o.rows);
  // one series per page: keyset and offset, raw and stowage, ns per page
  std::vector<samples> keyset(3), offset(3);
  std::vector<series> row_value(3);
  for (int rep = 0; rep < o.reps; ++rep) {
    for (std::size_t i = 0; i < 3; ++i) {
      const std::size_t skip = (pages[i] - 1) * n;
      std::vector<Entry> rk, rr, ro, sk, so;
      keyset[i].raw.wall.push_back(time_call([&] { rk = raw.keyset(positions[i], n); }));
      row_value[i].wall.push_back(time_call([&] { rr = raw.row_value(positions[i], n); }));
      offset[i].raw.wall.push_back(time_call([&] { ro = raw.offset(skip, n); }));
      keyset[i].stowage.wall.push_back(
          time_call([&] { sk = tokens[i] ? q.page_after(*tokens[i], n).records : q.page(n).records; }));
      offset[i].stowage.wall.push_back(time_call([&] { so = by_offset.offset(skip).limit(n).to_vector(); }));
      const std::string what = formatted("page %zu", pages[i]);
      check.expect_same((what + ": raw keyset vs raw offset").c_str(), digest(rk), digest(ro));
      check.expect_same((what + ": raw keyset vs raw row value").c_str(), digest(rk), digest(rr));
      check.expect_same((what + ": stowage keyset vs raw").c_str(), digest(sk), digest(rk));
      check.expect_same((what + ": stowage offset vs raw").c_str(), digest(so), digest(rk));
      check.expect_same((what + ": rows").c_str(), rk.size(), std::min(n, o.rows - skip));
    }
    std::fflush(stdout);
  }

  std::printf("\nus/page: median of %d (best in brackets); ratio = stowage/raw, medians (bests)\n", o.reps);
  results_table table({26, 20, 15, 0}, "raw us/page", "stowage us/page");
  table.print_header();
  for (std::size_t i = 0; i < 3; ++i) {
    table.print_medians(formatted("page %zu keyset", pages[i]), keyset[i].raw.wall, keyset[i].stowage.wall,
                        std::nullopt, 1000, 1);
    table.print_medians(formatted("page %zu offset", pages[i]), offset[i].raw.wall, offset[i].stowage.wall,
                        std::nullopt, 1000, 1);
  }
  std::printf("info, raw row-value seek (us/page, median): ");
  for (std::size_t i = 0; i < 3; ++i)
    std::printf("%spage %zu %.1f", i ? ", " : "", pages[i], median(row_value[i].wall) / 1000);
  std::printf("\n");
  auto growth = [&](const std::vector<samples>& s, bool stowage_side) {
    const auto& a = stowage_side ? s[2].stowage.wall : s[2].raw.wall;
    const auto& b = stowage_side ? s[0].stowage.wall : s[0].raw.wall;
    return median(a) / median(b);
  };
  std::printf("\npage %zu / page 1: keyset raw %.2f, stowage %.2f; offset raw %.1f, stowage %.1f\n", pages[2],
              growth(keyset, false), growth(keyset, true), growth(offset, false), growth(offset, true));
  std::printf("page %zu, offset / keyset: raw %.1f, stowage %.1f\n", pages[2],
              median(offset[2].raw.wall) / median(keyset[2].raw.wall),
              median(offset[2].stowage.wall) / median(keyset[2].stowage.wall));
  if (check.count()) std::printf("DATA MISMATCHES, see above\n");
  warnings.print_count();
  return check.exit_status();
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  return run_in_directory("pages_bench", o.dir, "stowage-pages-bench-",
                          [&](const fs::path& dir) { return run(o, dir); });
}
