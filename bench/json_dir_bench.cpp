// stowage over the json_dir backend against writing the same JSON files directly with
// nlohmann_json and plain POSIX calls (the floor), in one process, on the same data.
//
//   json_dir_bench [rows] [--reps=N] [--dir=PATH] [--phase=SIDE-put_many|list]
//
// rows defaults to 10000, reps to 3 (each repetition makes 2 x rows durable single writes, a few
// milliseconds each on a disk), dir to a fresh directory under the system temp directory (removed
// afterwards). Each repetition creates fresh stores for both sides in that one directory and runs
// these workloads, alternating which side goes first:
//
//   1. single puts, each one durable. stowage: table::put per record, which writes a temporary
//      file, fsyncs it, renames it into place and fsyncs the directory (and takes its lock file).
//      Raw: the same steps with openat/write/fsync/close/renameat/fsync on a directory descriptor
//      kept open. The sides take turns by blocks of rows/20 records (alternating which goes
//      first), as an fsync's time drifts with the disk's other work;
//   2. every record in one call, all or nothing across a crash. stowage: table::put_many (a
//      journal file, fsynced and renamed, then every record file through a temporary file and a
//      rename, one syncfs, the journal removed). Raw, the floor: the same durable steps by hand
//      (raw_put_many_durable): every file's text into a journal of the plainest format (name,
//      length, text), written to a temporary file, fsynced, renamed into place and the directory
//      fsynced (the commit point); then each record file through a temporary file and a rename
//      (so that a reader never meets a torn file), one syncfs, the journal removed and the
//      directory fsynced. A floor without the journal or the temporary files would not be all or
//      nothing: two informational raw runs show what those steps cost, one with every file
//      written in place and one syncfs, one adding the temporary file and rename;
//   3. get of every record by key, in one shuffled order shared by both sides, from a store
//      opened afresh (stowage's cache empty: it stats, reads and parses every file, as the raw
//      side opens, reads and parses it). An informational second pass follows on the same store,
//      where stowage's cache is warm (it stats, and does not read again);
//   4. a query on the time field returning 10% of the records, on a store opened afresh: first
//      run (cold cache: stowage reads and parses every file) and second run (warm cache: stowage
//      lists the directory and stats every file but reads none). Raw, each time: list the
//      directory, open, read and parse every file, keep the records in the time range;
//   5. on the store of 2, opened afresh: every record written again in one call (put_many over
//      existing files; raw as in 2), then the table emptied (table::clear; raw: list the
//      directory, unlink every record file, one syncfs), then every record written once more
//      into the emptied table (put_many; raw as in 2). On a file system
//      with a journal, clear and the put_many after it cost about what 2 costs, and put_many over
//      existing files somewhat more (stowage reads each file it replaces, to keep the fields a
//      record does not know). On ext4 without a journal (this project's test machine's root file
//      system), the kernel's inode allocator does not reuse an inode freed shortly before and,
//      for each file it creates, steps past every such inode (recently_deleted()): there the
//      put_many after clear costs many times 2 on both sides, in system time.
//
// The record: int64 id (the key), two short strings, an int64 time and a ~200-byte payload held
// as a std::string of JSON text (stored in the file as a JSON string), as in sqlite_bench. Both
// sides write the same bytes: the record as a JSON object with sorted keys, rendered by
// nlohmann_json's dump(2) plus a final newline, in <table dir>/<id>.json; both decode into the
// same struct (with std::string copies). Reads hit the page cache on both sides (the files were
// just written). Each repetition checks, after its writes, that the files both sides wrote are
// byte for byte the same, and fails the program (exit 1) when they are not or when the two sides
// read back different data. Wall-clock and CPU times are printed; timings are never judged.
//
// --phase=raw-put_many or --phase=stowage-put_many runs workload 2 of one side alone, once, into a
// fresh store, inside bench_common::measured_phase (bench/instructions.py counts its instructions
// under callgrind; most of its time is the kernel's, which callgrind does not see), and prints its
// CPU time (user + system) and a digest of the files read back, the same on both sides.
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stowage/json_dir.hpp>

#include "common.hpp"
#include "events.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace bench_common;
using namespace bench_events;

struct options {
  std::size_t rows = 10000;
  int reps = 3;
  fs::path dir;
  std::optional<phase_choice> phase;
};

constexpr std::initializer_list<phase_info> workloads = {{"put_many", 1.5}};

options parse(int argc, char** argv) {
  const command_line cl("json_dir_bench",
                        "json_dir_bench [rows] [--reps=N] [--dir=PATH] [--phase=raw-put_many|stowage-put_many|list]");
  options o;
  cl.parse(argc, argv, o.rows, o.reps, [&](std::string_view a) {
    if (auto v = option_value(a, "--phase=")) {
      o.phase = parse_phase(cl, *v, workloads);
      return true;
    }
    auto dir = option_value(a, "--dir=");
    if (dir) o.dir = std::string(*dir);
    return dir.has_value();
  });
  return o;
}

// ---------------------------------------------------------------------------------------------
// The raw side: nlohmann_json and POSIX calls on a directory descriptor.

[[noreturn]] void sys_fail(const char* what, const std::string& name, int err = errno) {
  throw std::runtime_error(std::string("raw: ") + what + " " + name + ": " + std::strerror(err));
}

class dir_fd {
 public:
  explicit dir_fd(const fs::path& p) : fd_(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ < 0) sys_fail("cannot open the directory", p.string());
  }
  dir_fd(const dir_fd&) = delete;
  dir_fd& operator=(const dir_fd&) = delete;
  ~dir_fd() { ::close(fd_); }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

/// The file text of a record, as stowage's json_dir backend writes it: an object (nlohmann's
/// object keeps its keys sorted), two-space indent, final newline.
std::string render(const Event& e) {
  json doc = {{"id", e.id}, {"schema", e.schema}, {"producer", e.producer}, {"time", e.time}, {"payload", e.payload}};
  return doc.dump(2) + "\n";
}

Event event_of(const json& j) {
  return Event{j.at("id").get<std::int64_t>(), j.at("schema").get<std::string>(), j.at("producer").get<std::string>(),
               j.at("time").get<std::int64_t>(), j.at("payload").get<std::string>()};
}

std::string file_name(std::int64_t id) { return std::to_string(id) + ".json"; }

void write_all(int f, std::string_view text, const std::string& name) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(f, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) sys_fail("cannot write", name);
    done += static_cast<std::size_t>(n);
  }
}

/// One durable write: temporary file, fsync, rename, fsync of the directory.
void raw_put_durable(int dir, const Event& e, const std::string& tmp_suffix) {
  const std::string text = render(e), name = file_name(e.id), tmp = ".tmp-" + name + tmp_suffix;
  int f = ::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f < 0) sys_fail("cannot create", tmp);
  write_all(f, text, tmp);
  if (::fsync(f) != 0) sys_fail("cannot fsync", tmp);
  if (::close(f) != 0) sys_fail("cannot close", tmp);
  if (::renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) sys_fail("cannot rename", name);
  if (::fsync(dir) != 0) sys_fail("cannot fsync the directory of", name);
}

void fsync_or_fail(int f, const std::string& name) {
  if (::fsync(f) != 0) sys_fail("cannot fsync", name);
}

/// put_many's floor: what a program must do by hand for a batch that is all or nothing across a
/// crash and never shows a reader a torn file, with the same durable steps as stowage. The
/// journal (in root, the store's directory) holds every file's text in the plainest format: per
/// record its file name, a newline, the text's length, a newline, the text. It is written to a
/// temporary file, fsynced, renamed into place and root fsynced: the commit point, after which a
/// crash would replay it. Then each record file goes through a temporary file and a rename, one
/// syncfs flushes them all, and the journal is removed (root fsynced).
void raw_put_many_durable(int root, int dir, const std::vector<Event>& events, const std::string& tmp_suffix) {
  std::vector<std::string> texts;
  texts.reserve(events.size());
  std::string journal;
  for (const Event& e : events) {
    texts.push_back(render(e));
    journal += file_name(e.id);
    journal += '\n';
    journal += std::to_string(texts.back().size());
    journal += '\n';
    journal += texts.back();
  }
  const std::string journal_tmp = ".tmp-journal" + tmp_suffix;
  int j = ::openat(root, journal_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (j < 0) sys_fail("cannot create", journal_tmp);
  write_all(j, journal, journal_tmp);
  fsync_or_fail(j, journal_tmp);
  if (::close(j) != 0) sys_fail("cannot close", journal_tmp);
  if (::renameat(root, journal_tmp.c_str(), root, ".journal") != 0) sys_fail("cannot rename", ".journal");
  fsync_or_fail(root, "the store");
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string name = file_name(events[i].id), tmp = ".tmp-" + name + tmp_suffix;
    int f = ::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f < 0) sys_fail("cannot create", tmp);
    write_all(f, texts[i], tmp);
    if (::close(f) != 0) sys_fail("cannot close", tmp);
    if (::renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) sys_fail("cannot rename", name);
  }
  if (::syncfs(dir) != 0) sys_fail("cannot syncfs", "the store");
  if (::unlinkat(root, ".journal", 0) != 0) sys_fail("cannot delete", ".journal");
  fsync_or_fail(root, "the store");
}

/// Every record written in place (or through a temporary file and a rename), then one syncfs:
/// not all or nothing (informational).
void raw_put_all(int dir, const std::vector<Event>& events, bool with_rename, const std::string& tmp_suffix) {
  for (const Event& e : events) {
    const std::string text = render(e), name = file_name(e.id);
    const std::string target = with_rename ? ".tmp-" + name + tmp_suffix : name;
    int f = ::openat(dir, target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f < 0) sys_fail("cannot create", target);
    write_all(f, text, target);
    if (::close(f) != 0) sys_fail("cannot close", target);
    if (with_rename && ::renameat(dir, target.c_str(), dir, name.c_str()) != 0) sys_fail("cannot rename", name);
  }
  if (::syncfs(dir) != 0) sys_fail("cannot syncfs", "the store");
}

/// The whole content of a file relative to dir, into buf; false when it does not exist.
bool read_at(int dir, const std::string& name, std::string& buf) {
  int f = ::openat(dir, name.c_str(), O_RDONLY | O_CLOEXEC);
  if (f < 0) {
    if (errno == ENOENT) return false;
    sys_fail("cannot open", name);
  }
  buf.clear();
  char chunk[8192];
  for (;;) {
    ssize_t n = ::read(f, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(f);
      sys_fail("cannot read", name, err);
    }
    if (n == 0) break;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(f);
  return true;
}

std::uint64_t raw_gets(int dir, const std::vector<std::int64_t>& keys) {
  std::uint64_t sum = 0;
  std::string buf;
  for (std::int64_t k : keys)
    if (read_at(dir, file_name(k), buf)) sum += digest(event_of(json::parse(buf)));
  return sum;
}

/// Deletes every record file of a directory, then one syncfs.
void raw_clear(const fs::path& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) sys_fail("cannot list", dir.string());
  std::vector<std::string> names;
  while (const dirent* ent = ::readdir(d)) {
    std::string_view name = ent->d_name;
    if (name.size() > 5 && name[0] != '.' && name.ends_with(".json")) names.emplace_back(name);
  }
  for (const auto& name : names)
    if (::unlinkat(::dirfd(d), name.c_str(), 0) != 0) {
      int err = errno;
      ::closedir(d);
      sys_fail("cannot delete", name, err);
    }
  int rc = ::syncfs(::dirfd(d));
  ::closedir(d);
  if (rc != 0) sys_fail("cannot syncfs", dir.string());
}

std::pair<std::uint64_t, std::size_t> raw_query(const fs::path& dir, std::int64_t lo, std::int64_t hi) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) sys_fail("cannot list", dir.string());
  std::vector<Event> found;
  std::string buf;
  try {
    while (const dirent* ent = ::readdir(d)) {
      std::string_view name = ent->d_name;
      if (name.size() <= 5 || name[0] == '.' || !name.ends_with(".json")) continue;
      if (!read_at(::dirfd(d), std::string(name), buf)) continue;
      json j = json::parse(buf);
      std::int64_t t = j.at("time").get<std::int64_t>();
      if (t >= lo && t < hi) found.push_back(event_of(j));
    }
  } catch (...) {
    ::closedir(d);
    throw;
  }
  ::closedir(d);
  std::uint64_t sum = 0;
  for (const Event& e : found) sum += digest(e);
  return {sum, found.size()};
}

// ---------------------------------------------------------------------------------------------
// The stowage side.

using store = stowage::database<stowage::json_dir>;
using events_table = stowage::table<Event, stowage::json_dir>;

std::string url_of(const fs::path& root) { return "dir:" + root.string(); }

std::pair<std::uint64_t, std::size_t> stowage_query(const events_table& t, std::int64_t lo, std::int64_t hi) {
  using stowage::where;
  return digest_rows(t.query(where<&Event::time> >= lo && where<&Event::time> < hi), digest);
}

/// How many record files the store has read so far, where the backend tells.
template <class B>
std::optional<std::uint64_t> files_read(B& b) {
  if constexpr (requires { b.files_read(); })
    return static_cast<std::uint64_t>(b.files_read());
  else
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Checks that both sides wrote the same files.

/// The names of the record files in a directory (dot files left out), sorted, and the names of
/// the leftovers of temporary files.
std::pair<std::vector<std::string>, std::vector<std::string>> listing(const fs::path& dir) {
  std::vector<std::string> names, stray;
  for (const auto& ent : fs::directory_iterator(dir)) {
    std::string n = ent.path().filename().string();
    if (n.starts_with(".tmp-"))
      stray.push_back(n);
    else if (n[0] != '.')
      names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return {names, stray};
}

/// Returns the number of differences found, each reported.
int compare_files(const char* what, const fs::path& raw_dir, const fs::path& sto_root,
                  const std::vector<Event>& events) {
  int bad = 0;
  auto report = [&](const std::string& s) {
    if (++bad <= 5) std::printf("MISMATCH in %s: %s\n", what, s.c_str());
  };
  const fs::path sto_dir = sto_root / "events";
  auto [raw_names, raw_stray] = listing(raw_dir);
  auto [sto_names, sto_stray] = listing(sto_dir);
  if (raw_names != sto_names)
    report("the directories hold different file names (raw " + std::to_string(raw_names.size()) + ", stowage " +
           std::to_string(sto_names.size()) + ")");
  if (raw_names.size() != events.size())
    report("the raw directory holds " + std::to_string(raw_names.size()) + " files");
  for (const auto& s : raw_stray) report("raw temporary file left: " + s);
  for (const auto& s : sto_stray) report("stowage temporary file left: " + s);
  if (fs::exists(sto_root / ".journal")) report("stowage left its journal");
  dir_fd r(raw_dir), s(sto_dir);
  std::string a, b;
  for (const Event& e : events) {
    const std::string name = file_name(e.id);
    if (!read_at(r.get(), name, a)) a = "(missing)";
    if (!read_at(s.get(), name, b)) b = "(missing)";
    if (a != b)
      report(name + " differs:\n--- raw\n" + a + "--- stowage\n" + b);
    else if (a != render(e))
      report(name + " does not hold the record");
  }
  if (bad > 5) std::printf("(%d more)\n", bad - 5);
  return bad;
}

/// Flushes whatever is dirty on the file system, so that neither side's syncfs pays for the
/// other side's writes (untimed).
void settle(const fs::path& dir) {
  dir_fd d(dir);
  if (::syncfs(d.get()) != 0) sys_fail("cannot syncfs", dir.string());
}

int run(const options& o, const fs::path& dir) {
  const data_set d = make_data(o.rows);
  const std::size_t n = o.rows;
  const std::size_t file_bytes = render(d.events[0]).size();
  std::printf(
      "stowage json_dir benchmark: %zu records (int64 id, %zu-char schema, %zu-char producer, int64 time,\n"
      "%zu-byte payload as a std::string holding JSON text, stored as a JSON string); %zu-byte files\n",
      n, d.events[0].schema.size(), d.events[0].producer.size(), d.events[0].payload.size(), file_bytes);
  std::printf("nlohmann_json %d.%d.%d; files in %s; %d repetitions, alternating which side runs first\n",
              NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH,
              dir.string().c_str(), o.reps);
  std::printf(
      "raw floor: the same file text (nlohmann dump(2) + newline) with openat/write/fsync/close/renameat on a\n"
      "directory descriptor kept open; the raw put_many floor takes the same durable steps as stowage's\n"
      "(a journal fsynced and renamed into place, temporary files renamed, one syncfs, the journal removed)\n");
  std::fflush(stdout);
  mismatches check;

  samples put, put_all, get_cold, get_warm, query_cold, query_warm, overwrite, clear, put_after_clear;
  series put_all_in_place, put_all_renamed;
  std::optional<std::uint64_t> read_cold, read_warm;
  const std::string tmp_suffix = "-" + std::to_string(::getpid());
  const fs::path raw_put_dir = dir / "raw-put" / "events", sto_put_root = dir / "stowage-put";
  const fs::path raw_all_dir = dir / "raw-all" / "events", sto_all_root = dir / "stowage-all";
  const fs::path raw_ren_dir = dir / "raw-renamed" / "events", raw_place_dir = dir / "raw-in-place" / "events";
  auto clean = [&] {
    for (const char* sub : {"raw-put", "stowage-put", "raw-all", "stowage-all", "raw-renamed", "raw-in-place"})
      fs::remove_all(dir / sub);
  };
  for (int rep = 0; rep < o.reps; ++rep) {
    clean();
    for (const fs::path& p : {raw_put_dir, raw_all_dir, raw_ren_dir, raw_place_dir}) fs::create_directories(p);
    const turn_order in_turn{rep % 2 == 0};
    {
      // 1. single durable puts, the two sides taking turns by blocks of records: the time an fsync
      // takes drifts with the disk's other work, and both sides should meet the same drift
      store sdb{url_of(sto_put_root)};
      auto t = sdb.table<Event>();
      dir_fd rdir(raw_put_dir);
      settle(dir);
      stopwatch raw_watch, sto_watch;
      const std::size_t block = std::max<std::size_t>(1, n / 20);
      for (std::size_t first = 0, turn = 0; first < n; first += block, ++turn) {
        const std::size_t last = std::min(n, first + block);
        auto raw_side = [&] {
          raw_watch.run([&] {
            for (std::size_t i = first; i < last; ++i) raw_put_durable(rdir.get(), d.events[i], tmp_suffix);
          });
        };
        auto sto_side = [&] {
          sto_watch.run([&] {
            for (std::size_t i = first; i < last; ++i) t.put(d.events[i]);
          });
        };
        turn_order{(turn + static_cast<std::size_t>(rep)) % 2 == 0}(raw_side, sto_side);
      }
      raw_watch.record(put.raw, n);
      sto_watch.record(put.stowage, n);
    }
    {
      // 2. every record in one call
      store sdb{url_of(sto_all_root)};
      auto t = sdb.table<Event>();
      dir_fd rroot(raw_all_dir.parent_path()), rdir(raw_all_dir), rren(raw_ren_dir), rplace(raw_place_dir);
      auto raw_side = [&] {
        settle(dir);
        timed(put_all.raw, n, [&] { raw_put_many_durable(rroot.get(), rdir.get(), d.events, tmp_suffix); });
      };
      auto sto_side = [&] {
        settle(dir);
        timed(put_all.stowage, n, [&] { t.put_many(d.events); });
      };
      in_turn(raw_side, sto_side);
      settle(dir);
      timed(put_all_in_place, n, [&] { raw_put_all(rplace.get(), d.events, false, tmp_suffix); });
      settle(dir);
      timed(put_all_renamed, n, [&] { raw_put_all(rren.get(), d.events, true, tmp_suffix); });
    }
    check.add(compare_files("single puts", raw_put_dir, sto_put_root, d.events));
    check.add(compare_files("put_many", raw_all_dir, sto_all_root, d.events));
    {
      // 3. gets by key in a shuffled order, stowage's cache empty, then warm
      store sdb{url_of(sto_all_root)};
      auto t = sdb.table<Event>();
      dir_fd rdir(raw_all_dir);
      std::uint64_t rsum = 0, ssum = 0;
      auto gets = [&](samples& out) {
        in_turn([&] { timed(out.raw, n, [&] { rsum = raw_gets(rdir.get(), d.probe); }); },
                [&] { timed(out.stowage, n, [&] { ssum = stowage_gets(t, d.probe, digest); }); });
      };
      gets(get_cold);
      check.expect_same("gets", rsum, ssum);
      gets(get_warm);
      check.expect_same("gets, second pass", rsum, ssum);
    }
    {
      // 4. a query over every record, stowage's cache empty, then warm
      store sdb{url_of(sto_all_root)};
      auto t = sdb.table<Event>();
      std::pair<std::uint64_t, std::size_t> rr, sr;
      auto query = [&](samples& out) {
        in_turn([&] { timed(out.raw, 1, [&] { rr = raw_query(raw_all_dir, d.lo, d.hi); }); },
                [&] { timed(out.stowage, 1, [&] { sr = stowage_query(t, d.lo, d.hi); }); });
      };
      auto before = files_read(sdb.backend());
      query(query_cold);
      auto middle = files_read(sdb.backend());
      check.expect_same("query (records)", rr.second, sr.second);
      check.expect_same("query (expected records)", d.range_rows, sr.second);
      check.expect_same("query (digest)", rr.first, sr.first);
      query(query_warm);
      auto after = files_read(sdb.backend());
      check.expect_same("second query (records)", rr.second, sr.second);
      check.expect_same("second query (digest)", rr.first, sr.first);
      if (before && middle && after) {
        read_cold = *middle - *before;
        read_warm = *after - *middle;
      }
    }
    {
      // 5. put_many over existing files, clear, put_many into the emptied table
      store sdb{url_of(sto_all_root)};
      auto t = sdb.table<Event>();
      dir_fd rroot(raw_all_dir.parent_path()), rdir(raw_all_dir);
      auto step = [&](samples& out, auto raw_work, auto sto_work) {
        in_turn(
            [&] {
              settle(dir);
              timed(out.raw, n, raw_work);
            },
            [&] {
              settle(dir);
              timed(out.stowage, n, sto_work);
            });
      };
      step(
          overwrite, [&] { raw_put_many_durable(rroot.get(), rdir.get(), d.events, tmp_suffix); },
          [&] { t.put_many(d.events); });
      check.add(compare_files("put_many over existing files", raw_all_dir, sto_all_root, d.events));
      step(
          clear, [&] { raw_clear(raw_all_dir); }, [&] { t.clear(); });
      check.expect_same("records left after clear", std::uint64_t{0}, static_cast<std::uint64_t>(t.count()));
      step(
          put_after_clear, [&] { raw_put_many_durable(rroot.get(), rdir.get(), d.events, tmp_suffix); },
          [&] { t.put_many(d.events); });
      check.add(compare_files("put_many after clear", raw_all_dir, sto_all_root, d.events));
    }
    std::fflush(stdout);
  }
  clean();

  const std::string query_name = formatted("query, %zu of %zu records, ms/query:", d.range_rows, n);
  auto table = [&](const char* title, std::vector<double> series::*which) {
    std::printf("\n%s: median of %d (best in brackets); ratio = stowage/raw, medians (bests)\n", title, o.reps);
    results_table out({44, 18, 15, 0}, "raw", "stowage");
    out.print_header();
    auto line = [&](const char* name, const series& r, const series& s, double unit) {
      out.print_medians(name, r.*which, s.*which, std::nullopt, unit, unit >= 1e6 ? 1 : 2);
    };
    line("durable single put, us/record", put.raw, put.stowage, 1e3);
    line("put_many, us/record", put_all.raw, put_all.stowage, 1e3);
    line("get, random order, cache empty, us/record", get_cold.raw, get_cold.stowage, 1e3);
    std::printf("%s\n", query_name.c_str());
    line("  first (stowage's cache empty)", query_cold.raw, query_cold.stowage, 1e6);
    line("  second (stowage's cache warm)", query_warm.raw, query_warm.stowage, 1e6);
    line("put_many over existing files, us/record", overwrite.raw, overwrite.stowage, 1e3);
    line("clear, us/record", clear.raw, clear.stowage, 1e3);
    line("put_many after clear, us/record", put_after_clear.raw, put_after_clear.stowage, 1e3);
    std::printf("informational:\n");
    line("  put_many vs raw in place, no journal", put_all_in_place, put_all.stowage, 1e3);
    line("  put_many vs raw + temp file/rename", put_all_renamed, put_all.stowage, 1e3);
    line("  get, second pass (cache warm), us/record", get_warm.raw, get_warm.stowage, 1e3);
  };
  table("wall-clock time", &series::wall);
  table(
      "CPU time of the benchmark's thread, user + system: less sensitive to other load on the\n"
      "machine, leaves out waiting for the disk",
      &series::cpu);
  if (read_cold && read_warm) {
    std::printf("\nfiles stowage read and parsed in the last repetition: first query %" PRIu64 ", second %" PRIu64 "\n",
                *read_cold, *read_warm);
    if (*read_warm > 0)
      std::printf(
          "(the second query read files again: stowage does not trust its cache for files changed shortly\n"
          "before they were read, as with a small record count)\n");
  }
  std::printf("\nnever judged: timings vary with the disk, the file system and the machine's load\n");
  return check.exit_status();
}

/// --phase: put_many of one side alone, into a fresh store under dir.
int run_phase(const options& o, const fs::path& dir) {
  const data_set d = make_data(o.rows);
  const phase_choice& p = *o.phase;
  const fs::path root = dir / (p.stowage ? "stowage" : "raw"), table_dir = root / "events";
  fs::create_directories(table_dir);
  series time;
  rusage before{}, after{};
  auto measure = [&](auto&& f) {
    settle(dir);
    ::getrusage(RUSAGE_THREAD, &before);
    timed(time, 1, [&] { measured_phase(f); });
    ::getrusage(RUSAGE_THREAD, &after);
  };
  if (p.stowage) {
    store sdb{url_of(root)};
    auto t = sdb.table<Event>();
    measure([&] { t.put_many(d.events); });
  } else {
    dir_fd rroot(root), rdir(table_dir);
    measure([&] { raw_put_many_durable(rroot.get(), rdir.get(), d.events, "-" + std::to_string(::getpid())); });
  }
  // read back by plain calls on both sides, so that the digests compare what was written
  dir_fd rdir(table_dir);
  std::vector<std::int64_t> keys;
  for (const Event& e : d.events) keys.push_back(e.id);
  const std::uint64_t sum = raw_gets(rdir.get(), keys);
  print_phase(p, o.rows, sum, time.wall[0] / 1e9);
  auto seconds = [](const timeval& a, const timeval& b) {
    return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_usec - a.tv_usec) / 1e6;
  };
  std::printf("cpu (user + system) %.4f s: user %.4f s, system %.4f s\n", time.cpu[0] / 1e9,
              seconds(before.ru_utime, after.ru_utime), seconds(before.ru_stime, after.ru_stime));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  return run_in_directory("json_dir_bench", o.dir, "stowage-json-dir-bench-",
                          [&](const fs::path& dir) { return o.phase ? run_phase(o, dir) : run(o, dir); });
}
