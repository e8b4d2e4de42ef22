// stowage's blob store on SQLite against the same job done with the raw sqlite3 C API and
// OpenSSL's libcrypto, in one process, on the same content.
//
//   blob_bench [MiB] [--reps=N] [--dir=PATH]
//
// MiB (the blob's size) defaults to 256, reps to 3, dir to a fresh directory under the system
// temp directory (removed afterwards). Each repetition writes the blob once on each side into a
// fresh database file, then reads it back whole, alternating which side goes first.
//
// Both sides do the same work, which is what storing large content safely takes: the content is
// cut into 256 KiB chunks, each chunk's SHA-256 and the whole content's SHA-256 are computed while
// writing, every chunk is a row of the same table (the raw side creates its tables with the very
// statements stowage's sqlite_master holds), all in one transaction, with stowage's connection
// settings (WAL, synchronous=FULL); reading fetches each chunk by its key and checks both hashes.
// The raw side is the floor: it has no record types, no codecs and no error handling beyond a
// status check. The program fails (exit 1) when the two sides read back different bytes or
// hashes; it never judges timings.
#include <openssl/evp.h>
#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <stowage/blobs.hpp>
#include <stowage/sqlite.hpp>

#include "common.hpp"

namespace {

namespace fs = std::filesystem;
using namespace bench_common;

constexpr std::size_t chunk_size = 256 * 1024;

struct options {
  std::size_t mib = 256;
  int reps = 3;
  fs::path dir;
};

options parse(int argc, char** argv) {
  const command_line cl("blob_bench", "blob_bench [MiB] [--reps=N] [--dir=PATH]");
  options o;
  std::size_t rows = 256;
  cl.parse(argc, argv, rows, o.reps, [&](std::string_view a) {
    if (auto v = option_value(a, "--dir=")) {
      o.dir = fs::path(std::string(*v));
      return true;
    }
    return false;
  });
  o.mib = rows;
  return o;
}

/// The content: MiB pieces of 1 MiB of pseudo-random bytes (incompressible, like most files).
std::vector<std::string> make_content(std::size_t mib) {
  std::vector<std::string> pieces(mib, std::string(1 << 20, '\0'));
  std::uint64_t x = 0x9e3779b97f4a7c15u;
  for (auto& p : pieces)
    for (std::size_t i = 0; i < p.size(); i += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::memcpy(p.data() + i, &x, 8);
    }
  return pieces;
}

// ---------------------------------------------------------------------------------------------
// The raw side.

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const std::string& sql) {
  check(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, sql.c_str());
}

using digest = std::array<unsigned char, 32>;

std::string hex(const digest& d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(64, '0');
  for (std::size_t i = 0; i < d.size(); ++i) {
    s[2 * i] = digits[d[i] >> 4];
    s[2 * i + 1] = digits[d[i] & 15];
  }
  return s;
}

class hasher {
 public:
  hasher() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~hasher() { EVP_MD_CTX_free(ctx_); }
  hasher(const hasher&) = delete;
  hasher& operator=(const hasher&) = delete;
  void add(const void* p, std::size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  digest finish() {
    digest d{};
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx_, d.data(), &n);
    EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
    return d;
  }

 private:
  EVP_MD_CTX* ctx_;
};

sqlite3* open_raw(const fs::path& file, const std::vector<std::string>& ddl) {
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
        db, "open");
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, "PRAGMA synchronous=FULL");
  for (const auto& s : ddl) exec(db, s);
  return db;
}

/// Writes the content as blob "b" in 256 KiB chunks; returns the whole content's hex SHA-256.
std::string raw_write(sqlite3* db, const std::vector<std::string>& pieces) {
  sqlite3_stmt* ins = nullptr;
  check(sqlite3_prepare_v2(db,
                           R"(INSERT INTO "stowage_blob_chunks" ("id", "content", "index", "sha256", "data"))"
                           " VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &ins, nullptr),
        db, "prepare");
  exec(db, "BEGIN IMMEDIATE");
  hasher whole, part;
  std::string chunk;
  chunk.reserve(chunk_size);
  std::int64_t index = 0;
  auto flush = [&] {
    part.add(chunk.data(), chunk.size());
    std::string h = hex(part.finish());
    sqlite3_bind_int64(ins, 1, index);
    sqlite3_bind_text(ins, 2, "b", 1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 3, index);
    sqlite3_bind_text(ins, 4, h.data(), static_cast<int>(h.size()), SQLITE_STATIC);
    sqlite3_bind_blob(ins, 5, chunk.data(), static_cast<int>(chunk.size()), SQLITE_STATIC);
    check(sqlite3_step(ins), db, "insert a chunk");
    sqlite3_reset(ins);
    ++index;
    chunk.clear();
  };
  std::uint64_t size = 0;
  for (const auto& p : pieces) {
    whole.add(p.data(), p.size());
    size += p.size();
    for (std::size_t at = 0; at < p.size();) {
      std::size_t n = std::min(chunk_size - chunk.size(), p.size() - at);
      chunk.append(p, at, n);
      at += n;
      if (chunk.size() == chunk_size) flush();
    }
  }
  if (!chunk.empty()) flush();
  sqlite3_finalize(ins);
  std::string sha = hex(whole.finish());
  std::string row = R"(INSERT INTO "stowage_blobs" ("id", "size", "sha256", "chunk_size", "chunks", "content", )"
                    R"("first_chunk") VALUES ('b', )" +
                    std::to_string(size) + ", '" + sha + "', " + std::to_string(chunk_size) + ", " +
                    std::to_string(index) + ", 'b', 0)";
  exec(db, row);
  exec(db, "COMMIT");
  return sha;
}

/// Reads blob "b" back chunk by chunk, checking each chunk's hash and the whole's; returns the
/// bytes read and folds them into sum.
std::uint64_t raw_read(sqlite3* db, std::uint64_t& sum) {
  sqlite3_stmt* blob = nullptr;
  sqlite3_stmt* get = nullptr;
  check(
      sqlite3_prepare_v2(db, R"(SELECT "sha256", "chunks" FROM "stowage_blobs" WHERE "id" = 'b')", -1, &blob, nullptr),
      db, "prepare");
  check(sqlite3_prepare_v2(db, R"(SELECT "sha256", "data" FROM "stowage_blob_chunks" WHERE "id" = ?1)", -1, &get,
                           nullptr),
        db, "prepare");
  if (sqlite3_step(blob) != SQLITE_ROW) throw std::runtime_error("raw: no blob");
  std::string whole_hex(reinterpret_cast<const char*>(sqlite3_column_text(blob, 0)));
  std::int64_t chunks = sqlite3_column_int64(blob, 1);
  sqlite3_finalize(blob);
  hasher whole, part;
  std::uint64_t bytes = 0;
  for (std::int64_t i = 0; i < chunks; ++i) {
    sqlite3_bind_int64(get, 1, i);
    if (sqlite3_step(get) != SQLITE_ROW) throw std::runtime_error("raw: a chunk is missing");
    std::string_view h(reinterpret_cast<const char*>(sqlite3_column_text(get, 0)));
    const void* data = sqlite3_column_blob(get, 1);
    auto n = static_cast<std::size_t>(sqlite3_column_bytes(get, 1));
    part.add(data, n);
    whole.add(data, n);
    if (hex(part.finish()) != h) throw std::runtime_error("raw: a chunk's hash differs");
    sum += static_cast<const unsigned char*>(data)[n - 1];
    bytes += n;
    sqlite3_reset(get);
  }
  sqlite3_finalize(get);
  if (hex(whole.finish()) != whole_hex) throw std::runtime_error("raw: the blob's hash differs");
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// stowage's side.

using store = stowage::database<stowage::sqlite>;

std::uint64_t stowage_read(stowage::blob_store<stowage::sqlite>& blobs, const std::string& id, std::uint64_t& sum) {
  std::uint64_t bytes = 0;
  for (std::span<const std::byte> piece : blobs.open(id)) {
    sum += static_cast<unsigned char>(piece.back());
    bytes += piece.size();
  }
  return bytes;
}

/// The statements stowage created its blob tables with, read from sqlite_master.
std::vector<std::string> stowage_ddl(const fs::path& file) {
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), db, "open");
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name LIKE 'stowage_blob%' AND sql IS NOT NULL", -1,
                           &s, nullptr),
        db, "prepare");
  std::vector<std::string> out;
  while (sqlite3_step(s) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  sqlite3_close(db);
  if (out.size() < 2) throw std::runtime_error("stowage's blob tables were not found in sqlite_master");
  return out;
}

int run(const options& o, const fs::path& dir) {
  const std::vector<std::string> content = make_content(o.mib);
  const double bytes = static_cast<double>(o.mib) * (1 << 20);
  std::printf("stowage blob benchmark: one blob of %zu MiB on SQLite, %zu KiB chunks, %d repetitions alternating\n",
              o.mib, chunk_size / 1024, o.reps);
  std::printf("which side runs first; raw: the sqlite3 C API and libcrypto doing the same chunking and hashing\n");

  std::vector<std::string> ddl;
  {
    store sdb{"sqlite:" + (dir / "schema.db").string()};
    stowage::blob_store<stowage::sqlite> blobs{sdb};
    blobs.write(std::vector<std::string>{"x"});
  }
  ddl = stowage_ddl(dir / "schema.db");

  mismatches check;
  samples write, read;
  for (int rep = 0; rep < o.reps; ++rep) {
    const fs::path raw_file = dir / ("raw" + std::to_string(rep) + ".db");
    const fs::path stowage_file = dir / ("stowage" + std::to_string(rep) + ".db");
    sqlite3* raw = open_raw(raw_file, ddl);
    store sdb{"sqlite:" + stowage_file.string()};
    stowage::blob_store<stowage::sqlite> blobs{sdb};
    const turn_order in_turn{rep % 2 == 0};

    std::string raw_sha, id, stowage_sha;
    in_turn([&] { timed(write.raw, 1, cpu_clock::process, [&] { raw_sha = raw_write(raw, content); }); },
            [&] {
              timed(write.stowage, 1, cpu_clock::process, [&] {
                auto info = blobs.write(content);
                id = info.id;
                stowage_sha = info.sha256;
              });
            });
    check.expect_same("the blob's SHA-256", raw_sha, stowage_sha);

    std::uint64_t raw_sum = 0, stowage_sum = 0, raw_bytes = 0, stowage_bytes = 0;
    in_turn([&] { timed(read.raw, 1, cpu_clock::process, [&] { raw_bytes = raw_read(raw, raw_sum); }); },
            [&] {
              timed(read.stowage, 1, cpu_clock::process, [&] { stowage_bytes = stowage_read(blobs, id, stowage_sum); });
            });
    check.expect_same("bytes read", raw_bytes, stowage_bytes);
    check.expect_same("a digest of the bytes read", raw_sum, stowage_sum);
    sqlite3_close(raw);
    std::fflush(stdout);
  }

  // MiB/s from the medians of the wall-clock times (ns for the whole blob)
  auto rate = [&](const std::vector<double>& ns) { return bytes / (1 << 20) / (median(ns) / 1e9); };
  std::printf(
      "\nseconds for the whole blob: wall-clock median of %d (median CPU time of the process in brackets); ratio =\n"
      "stowage/raw of the wall-clock medians\n",
      o.reps);
  std::printf("%-28s %18s %18s %8s\n", "workload", "raw s", "stowage s", "ratio");
  auto seconds = [](series s) {
    for (double& v : s.wall) v /= 1e9;
    for (double& v : s.cpu) v /= 1e9;
    return s;
  };
  auto row = [&](const char* name, const series& raw, const series& st) {
    const series r = seconds(raw), s = seconds(st);
    const double ratio = median(s.wall) / median(r.wall);
    std::printf("%-28s %18s %18s %8.3f\n", name, cell(median(r.wall), median(r.cpu), 3).c_str(),
                cell(median(s.wall), median(s.cpu), 3).c_str(), ratio);
  };
  row("write (chunk, hash, commit)", write.raw, write.stowage);
  row("read whole (check hashes)", read.raw, read.stowage);
  std::printf("\nMiB/s: write raw %.0f, stowage %.0f; read raw %.0f, stowage %.0f\n", rate(write.raw.wall),
              rate(write.stowage.wall), rate(read.raw.wall), rate(read.stowage.wall));
  return check.exit_status();
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  return run_in_directory("blob_bench", o.dir, "stowage-blob-bench-", [&](const fs::path& dir) { return run(o, dir); });
}
