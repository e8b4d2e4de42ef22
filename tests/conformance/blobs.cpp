// The blob store on every backend: round trips, byte ranges, content addressing, erase,
// transactions, and a changed stored byte reported as corrupt.
#include <catch2/catch.hpp>

#include <stowage/blobs.hpp>

#include <sqlite3.h>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;

namespace {

// the smallest chunk size, so that a few KiB make several chunks
constexpr std::size_t chunk = 4096;

std::string content_of(std::size_t n, std::uint32_t seed = 1) {
  std::string s(n, '\0');
  for (auto& c : s) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return s;
}

std::string text(const stowage::bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::string sha256_of(const std::string& s) {
  stowage::detail::blob_impl::sha256 h;
  h.update(s.data(), s.size());
  return stowage::detail::blob_impl::hex(h.finish());
}

/// The content cut into pieces of uneven sizes (not chunk-aligned).
std::vector<std::string> pieces_of(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t at = 0, n = 1; at < s.size(); at += n, n = n * 3 + 7) out.push_back(s.substr(at, n));
  return out;
}

template <class B>
std::uint64_t stored_chunks(stowage::database<B>& db) {
  if constexpr (stowage::detail::file_backend<B>) {
    std::uint64_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(db.backend().root() / ".blobs", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
      ++n;
    return n;  // files
  } else {
    return db.template table<stowage::detail::blob_chunk>().count();
  }
}

/// Changes byte `at` of chunk `index` of the blob's stored content, behind the store's back:
/// with the backend's own means where there are (SQL through the C API, json_dir in its file).
template <class T>
void flip_byte(store<T>& s, const std::string& id, std::uint64_t index, std::size_t at) {
  using B = typename T::type;
  auto r = s->template table<stowage::detail::blob_record>().get(id);
  REQUIRE(r);
  std::int64_t key = r->first_chunk + static_cast<std::int64_t>(index);
  if constexpr (stowage::detail::file_backend<B>) {
    auto path = s->backend().root() / ".blobs" / r->content;
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(index * chunk + at));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(index * chunk + at));
    f.put(static_cast<char>(c ^ 0x20));
    REQUIRE(f.good());
  } else if constexpr (std::is_same_v<B, stowage::sqlite>) {
    sqlite3* db = s->backend().native_handle();
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT data FROM stowage_blob_chunks WHERE id = ?1", -1, &st, nullptr) ==
            SQLITE_OK);
    sqlite3_bind_int64(st, 1, key);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string data(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                     static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
    sqlite3_finalize(st);
    data.at(at) ^= 0x20;
    REQUIRE(sqlite3_prepare_v2(db, "UPDATE stowage_blob_chunks SET data = ?1 WHERE id = ?2", -1, &st, nullptr) ==
            SQLITE_OK);
    sqlite3_bind_blob(st, 1, data.data(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, key);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    REQUIRE(sqlite3_changes(db) == 1);
#ifdef STOWAGE_TEST_POSTGRES
  } else if constexpr (std::is_same_v<B, stowage::postgres>) {
    pg_exec("UPDATE " + s.backend.schema + ".stowage_blob_chunks SET data = set_byte(data, " + std::to_string(at) +
            ", get_byte(data, " + std::to_string(at) + ") # 32) WHERE id = " + std::to_string(key));
#endif
  } else {
    // memory: the chunk's record, rewritten through the table (what a bug in a writer would do)
    auto chunks = s->template table<stowage::detail::blob_chunk>();
    auto c = chunks.get(key);
    REQUIRE(c);
    c->data.at(at) ^= std::byte{0x20};
    chunks.put(*c);
  }
}

// an input range whose third piece cannot be made
struct failing {
  int n = 0;
  struct iterator {
    failing* f;
    int i;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    std::string operator*() const {
      if (i == 2) throw std::runtime_error("the source failed");
      return std::string(chunk, 'x');
    }
    iterator& operator++() {
      ++i;
      return *this;
    }
    void operator++(int) { ++i; }
    bool operator==(std::default_sentinel_t) const { return i == 5; }
  };
  iterator begin() { return {this, 0}; }
  std::default_sentinel_t end() { return {}; }
};
}  // namespace

TEMPLATE_LIST_TEST_CASE("blobs come back as written, from a stream or from chunks", "[conformance][blobs]",
                        conformance_backends) {
  store<TestType> s;
  stowage::blob_store blobs{*s, {.chunk_size = chunk}};
  for (std::size_t n : {std::size_t{0}, std::size_t{10}, 3 * chunk, 3 * chunk + 17}) {
    INFO("size " << n);
    std::string content = content_of(n, static_cast<std::uint32_t>(n));
    std::istringstream in(content);
    stowage::blob_info a = blobs.write(in);
    stowage::blob_info b = blobs.write(pieces_of(content));
    CHECK(a.id != b.id);
    for (const auto& info : {a, b}) {
      CHECK(info.size == n);
      CHECK(info.sha256 == sha256_of(content));
      CHECK(blobs.exists(info.id));
      CHECK(blobs.size(info.id) == n);
      CHECK(blobs.info(info.id)->sha256 == info.sha256);
      CHECK(text(blobs.read(info.id)) == content);
      // as a range of pieces, and as a stream read in small, uneven steps
      std::string joined;
      for (std::span<const std::byte> piece : blobs.open(info.id))
        joined.append(reinterpret_cast<const char*>(piece.data()), piece.size());
      CHECK(joined == content);
      auto reader = blobs.open(info.id);
      std::string streamed;
      char buf[1000];
      while (std::size_t got = reader.read(buf, sizeof buf)) streamed.append(buf, got);
      CHECK(streamed == content);
      std::ostringstream out;
      CHECK(blobs.open(info.id).copy_to(out) == n);
      CHECK(out.str() == content);
    }
  }
  // a well-known digest, computed elsewhere
  CHECK(blobs.write(std::vector<std::string>{"hello ", "world"}).sha256 ==
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
  if constexpr (TestType::persistent) {
    std::string content = content_of(2 * chunk + 5);
    auto id = blobs.write(pieces_of(content)).id;
    s.reopen();
    stowage::blob_store again{*s};
    CHECK(text(again.read(id)) == content);
  }
}

TEMPLATE_LIST_TEST_CASE("a byte range of a blob reads only those bytes, cut at the blob's end", "[conformance][blobs]",
                        conformance_backends) {
  store<TestType> s;
  stowage::blob_store blobs{*s, {.chunk_size = chunk}};
  std::string content = content_of(3 * chunk + 100);
  auto id = blobs.write(pieces_of(content)).id;
  auto range = [&](std::uint64_t offset, std::uint64_t n) { return text(blobs.read(id, offset, n)); };
  CHECK(range(0, 10) == content.substr(0, 10));                                        // start
  CHECK(range(chunk + 5, 100) == content.substr(chunk + 5, 100));                      // middle of a chunk
  CHECK(range(chunk - 3, 2 * chunk + 6) == content.substr(chunk - 3, 2 * chunk + 6));  // across chunks
  CHECK(range(chunk, chunk) == content.substr(chunk, chunk));                          // exactly one chunk
  CHECK(range(3 * chunk + 90, 50) == content.substr(3 * chunk + 90));                  // past the end: cut
  CHECK(range(content.size(), 10).empty());
  CHECK(range(content.size() + 1000, 10).empty());
  CHECK(range(5, 0).empty());
  auto reader = blobs.open(id, chunk - 3, 6);
  CHECK(reader.info().size == content.size());
  std::string pieces;
  std::size_t count = 0;
  for (auto piece : reader) {
    pieces.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    ++count;
  }
  CHECK(pieces == content.substr(chunk - 3, 6));
  CHECK(count == 2);  // the end of chunk 0 and the start of chunk 1
}

TEMPLATE_LIST_TEST_CASE("a content-addressed blob is stored once, under its SHA-256", "[conformance][blobs]",
                        conformance_backends) {
  store<TestType> s;
  stowage::blob_store blobs{*s, {.chunk_size = chunk, .content_addressed = true}};
  std::string content = content_of(2 * chunk + 1);
  std::istringstream in(content);
  auto a = blobs.write(in);
  auto b = blobs.write(pieces_of(content));
  CHECK(a.id == sha256_of(content));
  CHECK(b.id == a.id);
  CHECK(s->template table<stowage::detail::blob_record>().count() == 1);
  CHECK(stored_chunks(*s) == (stowage::detail::file_backend<typename TestType::type> ? 1 : 3));
  CHECK(text(blobs.read(a.id)) == content);
  // other content is another blob; an ordinary store beside it makes ids of its own
  CHECK(blobs.write(std::vector<std::string>{"other"}).id == sha256_of("other"));
  stowage::blob_store plain{*s, {.chunk_size = chunk}};
  CHECK(plain.write(pieces_of(content)).id != a.id);
  CHECK(s->template table<stowage::detail::blob_record>().count() == 3);
}

TEMPLATE_LIST_TEST_CASE("an erased blob is gone with its chunks", "[conformance][blobs]", conformance_backends) {
  store<TestType> s;
  stowage::blob_store blobs{*s, {.chunk_size = chunk}};
  auto kept = blobs.write(pieces_of(content_of(chunk + 1, 7)));
  auto gone = blobs.write(pieces_of(content_of(2 * chunk + 1, 8)));
  CHECK(stored_chunks(*s) == (stowage::detail::file_backend<typename TestType::type> ? 2 : 5));
  CHECK(blobs.erase(gone.id));
  CHECK_FALSE(blobs.exists(gone.id));
  CHECK_FALSE(blobs.info(gone.id));
  CHECK_FALSE(blobs.erase(gone.id));
  CHECK_THROWS_AS(blobs.open(gone.id), stowage::not_found_error);
  CHECK_THROWS_AS(blobs.size(gone.id), stowage::not_found_error);
  CHECK(stored_chunks(*s) == (stowage::detail::file_backend<typename TestType::type> ? 1 : 2));
  CHECK(text(blobs.read(kept.id)) == content_of(chunk + 1, 7));
}

TEMPLATE_LIST_TEST_CASE("a blob written in a transaction lives and dies with the records written beside it",
                        "[conformance][blobs][tx]", conformance_backends) {
  store<TestType> s;
  stowage::blob_store blobs{*s, {.chunk_size = chunk}};
  auto items = s->template table<item>();
  std::string content = content_of(2 * chunk + 3);
  std::string lost, kept;
  {
    auto tx = s->transaction();
    lost = blobs.write(pieces_of(content)).id;
    items.put(item{1, lost, 0, 0.0, std::nullopt, std::nullopt, true});
    CHECK(blobs.exists(lost));  // visible inside its transaction
    tx.rollback();
  }
  CHECK_FALSE(blobs.exists(lost));
  CHECK_FALSE(items.get(1));
  CHECK(stored_chunks(*s) == 0 + (stowage::detail::file_backend<typename TestType::type> ? 1 : 0));
  CHECK(blobs.sweep() == (stowage::detail::file_backend<typename TestType::type> ? 1 : 0));
  CHECK(stored_chunks(*s) == 0);
  stowage::transact(*s, [&] {
    kept = blobs.write(pieces_of(content)).id;
    items.put(item{2, kept, 0, 0.0, std::nullopt, std::nullopt, true});
  });
  if constexpr (TestType::persistent) s.reopen();
  stowage::blob_store again{*s};
  auto ref = s->template table<item>().get(2);
  REQUIRE(ref);
  CHECK(text(again.read(ref->name)) == content);
  CHECK(again.sweep() == 0);
}

TEMPLATE_LIST_TEST_CASE("a write that fails midway leaves no blob behind", "[conformance][blobs]",
                        conformance_backends) {
  store<TestType> s;
  stowage::blob_store blobs{*s, {.chunk_size = chunk}};
  failing source;
  CHECK_THROWS_WITH(blobs.write(source), "the source failed");
  CHECK(s->template table<stowage::detail::blob_record>().count() == 0);
  CHECK(stored_chunks(*s) == 0);
  std::istringstream broken(content_of(chunk * 2));
  broken.setstate(std::ios::badbit);
  CHECK_THROWS_AS(blobs.write(broken), stowage::bad_input_error);
  CHECK(stored_chunks(*s) == 0);
}

TEMPLATE_LIST_TEST_CASE("a changed byte in a stored chunk is reported as corrupt, naming the blob",
                        "[conformance][blobs][errors]", conformance_backends) {
  store<TestType> s;
  stowage::blob_store blobs{*s, {.chunk_size = chunk}};
  std::string content = content_of(3 * chunk + 10);
  auto id = blobs.write(pieces_of(content)).id;
  flip_byte(s, id, 1, 5);
  auto expect_corrupt = [&](auto&& read) {
    try {
      read();
      FAIL("the changed byte was not noticed");
    } catch (const stowage::corrupt_error& e) {
      CHECK(e.key() == id);
      CHECK_THAT(e.what(), Catch::Contains(id) && Catch::Contains("chunk 1"));
    }
  };
  expect_corrupt([&] { blobs.read(id); });
  expect_corrupt([&] { blobs.read(id, chunk + 5, 1); });  // the byte itself
  expect_corrupt([&] { blobs.read(id, chunk - 1, 2); });  // a range that touches the chunk
  expect_corrupt([&] {
    std::ostringstream out;
    blobs.open(id).copy_to(out);
  });
  // chunks the range does not touch read as written
  CHECK(text(blobs.read(id, 0, chunk)) == content.substr(0, chunk));
  CHECK(text(blobs.read(id, 2 * chunk, chunk + 10)) == content.substr(2 * chunk));
}

TEMPLATE_LIST_TEST_CASE("a missing chunk or a cut blob file is reported as corrupt, naming the blob",
                        "[conformance][blobs][errors]", conformance_backends) {
  using B = typename TestType::type;
  store<TestType> s;
  stowage::blob_store blobs{*s, {.chunk_size = chunk}};
  auto id = blobs.write(pieces_of(content_of(2 * chunk + 1))).id;
  auto r = s->template table<stowage::detail::blob_record>().get(id);
  REQUIRE(r);
  if constexpr (stowage::detail::file_backend<B>) {
    std::filesystem::resize_file(s->backend().root() / ".blobs" / r->content, chunk);
  } else {
    REQUIRE(s->template table<stowage::detail::blob_chunk>().erase(r->first_chunk + 1));
  }
  try {
    blobs.read(id);
    FAIL("the damage was not noticed");
  } catch (const stowage::corrupt_error& e) {
    CHECK(e.key() == id);
    CHECK_THAT(e.what(), Catch::Contains(id));
  }
  CHECK_THROWS_AS(blobs.read(id, chunk, 1), stowage::corrupt_error);
  // erasing the damaged blob still works
  CHECK(blobs.erase(id));
  CHECK_FALSE(blobs.exists(id));
}
