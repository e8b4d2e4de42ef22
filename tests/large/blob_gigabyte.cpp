// A 1 GiB blob written and read back on each persistent backend (sqlite, json_dir, and postgres
// when STOWAGE_TEST_PG_URL names a server), streamed from a generator, with the peak memory of the
// process that does it measured and held under 64 MiB. Each backend runs in a child process of its
// own, so that its peak (ru_maxrss) is its alone.
//
//   blob_gigabyte [MiB] [--dir=DIR] [--chunk-kib=N]
//   (default 1024 MiB, in a temporary directory, in chunks of blob_options' default size)
//
// Built and run by the Release build only: it moves 2 GiB per backend, too slow for a Debug or
// sanitizer build.
#include <stowage/blobs.hpp>
#include <stowage/json_dir.hpp>
#include <stowage/postgres.hpp>
#include <stowage/sqlite.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr std::size_t piece_size = 1 << 20;
constexpr long limit_kib = 64 * 1024;

/// The content: pseudo-random (so nothing compresses it away), made a MiB at a time.
class generator {
 public:
  explicit generator(std::uint64_t pieces) : pieces_(pieces), piece_(piece_size / 8) {}

  struct iterator {
    using value_type = std::span<const std::byte>;
    using difference_type = std::ptrdiff_t;
    generator* g;
    std::span<const std::byte> operator*() const { return std::as_bytes(std::span(g->piece_)); }
    iterator& operator++() {
      g->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return g->made_ > g->pieces_; }
  };
  iterator begin() {
    next();
    return {this};
  }
  std::default_sentinel_t end() const { return {}; }
  std::string sha256() { return stowage::detail::blob_impl::hex(hash_.finish()); }

 private:
  void next() {
    if (++made_ > pieces_) return;
    for (auto& w : piece_) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      w = state_;
    }
    hash_.update(piece_.data(), piece_size);
  }
  std::uint64_t pieces_;
  std::uint64_t made_ = 0;
  std::uint64_t state_ = 0x9e3779b97f4a7c15u;
  std::vector<std::uint64_t> piece_;
  stowage::detail::blob_impl::sha256 hash_;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

long peak_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

template <class Backend>
int round_trip(const char* label, const std::string& url, std::uint64_t mib, std::size_t chunk) {
  long before = peak_kib();
  stowage::database<Backend> db{url};
  stowage::blob_store blobs{db, {.chunk_size = chunk}};
  generator source(mib);
  auto t = std::chrono::steady_clock::now();
  stowage::blob_info b = blobs.write(source);
  double write_s = seconds_since(t);
  std::string expected = source.sha256();
  if (b.size != mib * piece_size || b.sha256 != expected) {
    std::printf("%s: wrote %llu bytes with SHA-256 %s, expected %llu bytes, %s\n", label,
                static_cast<unsigned long long>(b.size), b.sha256.c_str(),
                static_cast<unsigned long long>(mib * piece_size), expected.c_str());
    return 1;
  }
  t = std::chrono::steady_clock::now();
  stowage::detail::blob_impl::sha256 check;
  std::uint64_t read = 0;
  for (std::span<const std::byte> piece : blobs.open(b.id)) {
    check.update(piece.data(), piece.size());
    read += piece.size();
  }
  double read_s = seconds_since(t);
  std::string got = stowage::detail::blob_impl::hex(check.finish());
  long peak = peak_kib();
  std::printf(
      "%-8s %llu MiB: write %.1f s (%.0f MiB/s), read %.1f s (%.0f MiB/s), peak RSS %.1f MiB "
      "(%.1f MiB before opening the store)\n",
      label, static_cast<unsigned long long>(mib), write_s, static_cast<double>(mib) / write_s, read_s,
      static_cast<double>(mib) / read_s, static_cast<double>(peak) / 1024, static_cast<double>(before) / 1024);
  if (read != b.size || got != expected) {
    std::printf("%s: read back %llu bytes with SHA-256 %s\n", label, static_cast<unsigned long long>(read),
                got.c_str());
    return 1;
  }
  if (peak >= limit_kib) {
    std::printf("%s: peak memory %.1f MiB is over the 64 MiB bound\n", label, static_cast<double>(peak) / 1024);
    return 1;
  }
  blobs.erase(b.id);
  return 0;
}

/// Runs fn in a child process; whether it succeeded.
template <class F>
bool in_child(F fn) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int rc = 1;
    try {
      rc = fn();
    } catch (const std::exception& e) {
      std::printf("error: %s\n", e.what());
    }
    std::fflush(stdout);
    _exit(rc);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t mib = 1024;
  std::size_t chunk = stowage::blob_options{}.chunk_size;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("stowage-blob-gigabyte-" + std::to_string(::getpid()));
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--dir=", 6) == 0)
      dir = argv[i] + 6;
    else if (std::strncmp(argv[i], "--chunk-kib=", 12) == 0)
      chunk = std::strtoull(argv[i] + 12, nullptr, 10) * 1024;
    else
      mib = std::strtoull(argv[i], nullptr, 10);
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  bool ok = true;
  ok &= in_child(
      [&] { return round_trip<stowage::sqlite>("sqlite", "file:" + (dir / "blobs.db").string(), mib, chunk); });
  std::filesystem::remove_all(dir / "blobs.db");
  ok &= in_child(
      [&] { return round_trip<stowage::json_dir>("json_dir", "dir:" + (dir / "store").string(), mib, chunk); });
  std::filesystem::remove_all(dir / "store");
  if (const char* pg = std::getenv("STOWAGE_TEST_PG_URL"); pg && *pg)
    ok &= in_child([&] { return round_trip<stowage::postgres>("postgres", pg, mib, chunk); });
  else
    std::printf("postgres: STOWAGE_TEST_PG_URL not set, not run\n");
  std::filesystem::remove_all(dir);
  return ok ? 0 : 1;
}
