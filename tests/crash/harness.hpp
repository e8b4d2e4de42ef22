// Shared plumbing of the crash tests: failures, arguments, the temporary directory, child
// processes and their exit status, and, for the tests that kill a committing child at random
// moments (sqlite_crash, json_dir_crash), the acknowledgement pipe, the kill round and the checks
// of the commit log both of them write.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace crash {

using clock_type = std::chrono::steady_clock;

// A check that failed; main reports it.
struct failure {
  std::string message;
};

[[noreturn]] inline void fail(const std::string& msg) { throw failure{msg}; }

// argv[1] as a number from 1 to max, fallback without it; nullopt when it is malformed.
inline std::optional<int> count_arg(int argc, char** argv, int fallback, long max) {
  if (argc <= 1) return fallback;
  char* end = nullptr;
  long n = std::strtol(argv[1], &end, 10);
  if (!end || *end || n < 1 || n > max) return std::nullopt;
  return static_cast<int>(n);
}

// A fresh directory $TMPDIR/<prefix>-XXXXXX (or under /tmp); "" after a message on failure.
inline std::string make_temp_dir(const char* program, const char* prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> dir_buf(templ.begin(), templ.end());
  dir_buf.push_back('\0');
  if (!::mkdtemp(dir_buf.data())) {
    std::cerr << program << ": cannot create a directory from " << templ << ": " << std::strerror(errno) << "\n";
    return "";
  }
  return dir_buf.data();
}

// Prints "<context>: <message>" and where the evidence is kept; returns main's exit status 1.
inline int report_failure(const std::string& context, const std::string& message, const std::string& kept) {
  std::cout.flush();
  std::cerr << context << ": " << message << "\n  " << kept << "\n";
  return 1;
}

// After a pass: removes the directory, prints the summary line, warns when the removal failed.
inline int report_pass(const char* program, const std::string& dir, const std::string& summary) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::cout << summary << "\n";
  if (ec) std::cerr << program << ": warning: cannot remove " << dir << ": " << ec.message() << "\n";
  return 0;
}

inline double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// "exit status N" or "signal N", from waitpid's status.
inline std::string describe(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Waits for a child, retrying on EINTR; returns its status.
inline int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail(std::string("waitpid: ") + std::strerror(errno));
  return status;
}

inline void make_pipe(int fds[2]) {
  if (::pipe(fds) != 0) fail(std::string("pipe: ") + std::strerror(errno));
}

// Forks with the streams flushed (so nothing buffered is printed twice); the child runs body,
// which must not return (it is ended with _exit(3) if it does). Returns the child's pid.
template <class Body>
pid_t fork_child(Body&& body) {
  std::cout.flush();
  std::cerr.flush();
  pid_t pid = ::fork();
  if (pid < 0) fail(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    body();
    ::_exit(3);
  }
  return pid;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) fail("cannot open " + p.string() + " to read it");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// In a child: writes all of data to fd, or exits with status 4 after a message.
inline void write_all(const char* who, int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "%s child: cannot write to the pipe: %s\n", who, std::strerror(errno));
      ::_exit(4);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// ---- the kill tests: a child commits and acknowledges each commit; the parent kills it ----

enum : std::int64_t { mode_put = 0, mode_tx = 1, mode_put_many = 2 };
inline const char* const mode_names[] = {"put", "transaction", "put_many"};

// What the child writes to the pipe after a commit returns: fixed size, far below PIPE_BUF, so
// each write() is atomic and the parent always reads whole acknowledgements. Batch 0 means the
// child has opened the store and is about to commit.
struct ack {
  std::int64_t batch;
  std::int64_t first;
  std::int64_t size;
  std::int64_t mode;
};

// The payload of a key: a few hundred bytes, a function of the key alone.
inline std::string payload_for(std::int64_t id) {
  auto len = static_cast<std::size_t>(200 + id * 7919 % 301);
  std::string s = "key " + std::to_string(id) + ":";
  std::uint64_t x = static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull + 1;
  while (s.size() < len) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s += static_cast<char>('a' + (x * 0x2545F4914F6CDD1Dull >> 58) % 26);
  }
  return s;
}

// The key of a transaction's marker record.
inline std::string marker_id(std::int64_t batch) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "batch-%012lld", static_cast<long long>(batch));
  return buf;
}

// Reads what the pipe has and appends the whole acks in it (noting the ready message); false at EOF.
inline bool read_acks(int fd, std::string& pending, std::vector<ack>& out, bool& ready) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return true;
    fail(std::string("cannot read the pipe: ") + std::strerror(errno));
  }
  if (n == 0) return false;
  pending.append(buf, static_cast<std::size_t>(n));
  std::size_t whole = pending.size() / sizeof(ack) * sizeof(ack);
  for (std::size_t off = 0; off < whole; off += sizeof(ack)) {
    ack a;
    std::memcpy(&a, pending.data() + off, sizeof a);
    if (a.batch == 0) ready = true;  // the ready message
    if (a.batch != 0) out.push_back(a);
  }
  pending.erase(0, whole);
  return true;
}

// One round: forks a child running child(ack_fd), which must never return; kills it with SIGKILL
// `delay` after the fork (from_fork) or after its ready message, and returns what it acknowledged.
// store_word names what the child opens in messages ("file", "store").
template <class Child>
std::vector<ack> run_and_kill(Child&& child, int delay_ms, bool from_fork, const char* store_word) {
  int fds[2];
  make_pipe(fds);
  pid_t pid = fork_child([&] {
    ::close(fds[0]);
    child(fds[1]);
  });
  ::close(fds[1]);

  // read acknowledgements until the kill moment
  std::vector<ack> acks;
  std::string pending;
  bool ready = false, open = true;
  auto delay = std::chrono::milliseconds(delay_ms);
  auto forked = clock_type::now();
  std::optional<clock_type::time_point> deadline;
  if (from_fork) deadline = forked + delay;
  while (open) {
    if (!deadline && ready) deadline = clock_type::now() + delay;
    auto until = deadline ? *deadline : forked + std::chrono::seconds(10);
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(until - clock_type::now()).count();
    if (left <= 0) {
      if (!deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        fail(std::string("the child did not open the ") + store_word + " within 10 s");
      }
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>((left + 999) / 1000));
    if (r < 0 && errno != EINTR) fail(std::string("poll: ") + std::strerror(errno));
    if (r > 0) open = read_acks(fds[0], pending, acks, ready);
  }
  ::kill(pid, SIGKILL);
  int status = wait_for(pid);
  if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
    fail("the child ended by itself before the kill (" + describe(status) + "); see its message above");
  // what it acknowledged before it died is still in the pipe
  while (read_acks(fds[0], pending, acks, ready)) {
  }
  ::close(fds[0]);
  if (!pending.empty()) fail("a partial acknowledgement of " + std::to_string(pending.size()) + " bytes");
  return acks;
}

struct batch_info {
  std::int64_t first = 0, size = 0, mode = 0;
  int round = 0;
};

// Everything the parent knows across rounds.
struct ledger {
  std::map<std::int64_t, batch_info> acked;    // batch -> commit, acknowledged by a child
  std::map<std::int64_t, batch_info> unacked;  // batch -> commit found in the store but never acknowledged
  std::int64_t acked_keys = 0;
};

// Enters a round's acks in the ledger after checking them: consecutive batches and keys, nothing
// acknowledged twice. Returns the number of keys they acknowledge.
inline std::int64_t enter_acks(ledger& led, const std::vector<ack>& acks, int round, const char* store_word) {
  std::int64_t keys = 0;
  for (std::size_t i = 0; i < acks.size(); ++i) {
    const ack& a = acks[i];
    if (a.mode < 0 || a.mode > 2 || a.size < 1) fail("malformed acknowledgement for batch " + std::to_string(a.batch));
    if (led.acked.count(a.batch))
      fail("batch " + std::to_string(a.batch) + " was acknowledged again (first in round " +
           std::to_string(led.acked[a.batch].round) + "): a child saw an older " + store_word +
           " than was acknowledged");
    if (led.unacked.count(a.batch))
      fail("batch " + std::to_string(a.batch) + ", found committed after round " +
           std::to_string(led.unacked[a.batch].round) + ", was written again: a child saw an older " + store_word);
    if (i > 0 && (a.batch != acks[i - 1].batch + 1 || a.first != acks[i - 1].first + acks[i - 1].size))
      fail("acknowledgements out of sequence at batch " + std::to_string(a.batch));
    led.acked[a.batch] = {a.first, a.size, a.mode, round};
    led.acked_keys += a.size;
    keys += a.size;
  }
  return keys;
}

// A commit as the store holds it.
struct found {
  std::int64_t first, size, mode, records;  // size: what the commit was written with
};

// The commits in the store, read back from its entries.
struct commit_scan {
  std::map<std::int64_t, found> present;             // batch -> commit
  std::vector<char> have = std::vector<char>(1, 0);  // have[key]
  std::uint64_t keys = 0;
};

// Every entry, in key order: right content, consecutive keys from 1; collects the commits present.
template <class Entries>
commit_scan scan_entries(Entries&& entries_in_order) {
  commit_scan s;
  std::int64_t expect_id = 1;
  for (const auto& e : entries_in_order) {
    if (e.id != expect_id)
      fail("key " + std::to_string(expect_id) + " is absent but key " + std::to_string(e.id) +
           " is present: keys are written in order, so a committed record was lost");
    ++expect_id;
    if (e.payload != payload_for(e.id))
      fail("key " + std::to_string(e.id) + " has the wrong payload (" + std::to_string(e.payload.size()) + " bytes)");
    if (e.mode < 0 || e.mode > 2 || e.size < 1 || e.id < e.first || e.id >= e.first + e.size)
      fail("key " + std::to_string(e.id) + " has inconsistent fields (batch " + std::to_string(e.batch) + ")");
    auto [it, fresh] = s.present.try_emplace(e.batch, found{e.first, e.size, e.mode, 0});
    if (!fresh && (it->second.first != e.first || it->second.size != e.size || it->second.mode != e.mode))
      fail("key " + std::to_string(e.id) + " disagrees with the other records of batch " + std::to_string(e.batch));
    ++it->second.records;
    s.have.push_back(1);
  }
  s.keys = static_cast<std::uint64_t>(expect_id - 1);
  return s;
}

// Every acknowledged key is present, as its commit wrote it.
inline void check_acked_present(const ledger& led, const commit_scan& s, const char* store_word) {
  for (const auto& [b, info] : led.acked) {
    for (std::int64_t k = info.first; k < info.first + info.size; ++k)
      if (k >= static_cast<std::int64_t>(s.have.size()) || !s.have[static_cast<std::size_t>(k)])
        fail("acknowledged key " + std::to_string(k) + " is missing (batch " + std::to_string(b) + ", a " +
             mode_names[info.mode] + " of " + std::to_string(info.size) + " record(s) acknowledged in round " +
             std::to_string(info.round) + ")");
    auto it = s.present.find(b);
    if (it == s.present.end() || it->second.first != info.first || it->second.size != info.size ||
        it->second.mode != info.mode)
      fail("acknowledged batch " + std::to_string(b) + " (first key " + std::to_string(info.first) +
           ") is not in the " + store_word + " as it was written");
  }
}

// All or nothing: each commit present in full; a transaction's marker goes with its records.
template <class Markers>
void check_atomic(const commit_scan& s, const Markers& all_markers) {
  for (const auto& [b, f] : s.present)
    if (f.records != f.size)
      fail("batch " + std::to_string(b) + " (" + mode_names[f.mode] + ") is partly present: " +
           std::to_string(f.records) + " of " + std::to_string(f.size) + " records, first key " +
           std::to_string(f.first) + ", missing key " + std::to_string(f.first + f.records) + ": not atomic");
  std::map<std::int64_t, bool> has_marker;
  for (const auto& m : all_markers) {
    if (m.id != marker_id(m.batch)) fail("marker " + m.id + " names batch " + std::to_string(m.batch));
    auto it = s.present.find(m.batch);
    if (it == s.present.end() || it->second.mode != mode_tx || it->second.first != m.first || it->second.size != m.size)
      fail("marker " + m.id + " is present but its transaction's records are not: not atomic");
    has_marker[m.batch] = true;
  }
  for (const auto& [b, f] : s.present)
    if (f.mode == mode_tx && !has_marker.count(b))
      fail("transaction batch " + std::to_string(b) + " has its records but not its marker " + marker_id(b) +
           ": not atomic");
}

// Commits present but never acknowledged: at most one per kill, the newest, and never lost later.
// Enters the new one in the ledger; true when there is one.
inline bool enter_unacked(ledger& led, const commit_scan& s, int round) {
  for (const auto& [b, info] : led.unacked)
    if (!s.present.count(b))
      fail("batch " + std::to_string(b) + ", found committed after round " + std::to_string(info.round) +
           ", is gone (first key " + std::to_string(info.first) + ")");
  std::int64_t newest_acked = led.acked.empty() ? 0 : led.acked.rbegin()->first;
  bool landed = false;
  for (const auto& [b, f] : s.present) {
    if (led.acked.count(b) || led.unacked.count(b)) continue;
    if (landed)
      fail("more than one commit of round " + std::to_string(round) + " is present unacknowledged (batch " +
           std::to_string(b) + ")");
    if (b < newest_acked)
      fail("batch " + std::to_string(b) + " is present unacknowledged but older than acknowledged batch " +
           std::to_string(newest_acked));
    landed = true;
    led.unacked[b] = {f.first, f.size, f.mode, round};
  }
  return landed;
}

}  // namespace crash
