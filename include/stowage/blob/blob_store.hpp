// The blob store: content too large to hold in memory, kept in a database beside its records.
//
//     stowage::blob_store blobs{db};                       // any database<Backend>
//     stowage::blob_info b = blobs.write(file_stream);     // id, size, SHA-256
//     for (std::span<const std::byte> piece : blobs.open(b.id)) ...
//
// Storage: a blob's bytes are cut into chunks (256 KiB unless blob_options says otherwise).
// memory, sqlite and postgres keep each chunk as a row of the table stowage_blob_chunks (an
// integer key, the blob's content name, the chunk's index, its SHA-256 in hex and its bytes); json_dir keeps a blob as
// one file, <root>/.blobs/<content>, written to a temporary file, flushed and renamed into place, holding the bytes
// followed by each chunk's SHA-256 (32 bytes each). On every backend the table stowage_blobs holds one record per blob:
// its id, size, SHA-256, chunk size and the name of its content.
//
// Integrity: the SHA-256 of the whole blob and of each chunk are computed while writing. A read
// checks each chunk it touches against the chunk's hash (so a range read too finds any changed
// byte in the chunks it reads), and a read of a whole blob checks the whole blob's hash as well;
// a mismatch, or a chunk that is missing or has the wrong length, is a corrupt_error naming the
// blob and the chunk.
//
// Transactions: a write or an erase runs in a transaction of the database (a savepoint inside
// the caller's): a failed write leaves nothing, and a blob written in a transaction that rolls
// back is gone with the records written beside it. On json_dir the file is written before the
// transaction commits; when the transaction rolls back the file stays behind, unreferenced and
// never read, until sweep() removes it.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/error.hpp>
#include <stowage/record/record.hpp>
#include <stowage/record/types.hpp>
#include <stowage/store/database.hpp>

namespace stowage {

/// What a write returns and info() tells: the blob's id, its size in bytes and the SHA-256 of
/// its content (64 lower-case hex digits).
struct blob_info {
  std::string id;
  std::uint64_t size = 0;
  std::string sha256;
};

/// How a blob_store writes. Blobs written with one chunk size are read with it, whatever the
/// options of the store reading them.
struct blob_options {
  /// The size of each stored chunk (the last one may be shorter), from 4 KiB to 64 MiB.
  std::size_t chunk_size = 256 * 1024;
  /// When set, a blob's id is the hex SHA-256 of its content, and writing content that is
  /// stored already stores nothing and returns the blob that has it, also when another
  /// connection stores the same content at the same moment (inside a caller's transaction on
  /// PostgreSQL, that race is a conflict_error: run the transaction again).
  bool content_addressed = false;
};

namespace detail {

/// The record of one blob (table stowage_blobs).
struct blob_record {
  BOOST_HANA_DEFINE_STRUCT(blob_record, (std::string, id), (std::int64_t, size), (std::string, sha256),
                           (std::int64_t, chunk_size), (std::int64_t, chunks), (std::string, content),
                           (std::int64_t, first_chunk));
};

/// One chunk of a blob's content (table stowage_blob_chunks, on backends without files). Its key
/// is the blob's first_chunk plus its index: an integer key keeps SQLite's table a rowid table,
/// whose rows may be large (a WITHOUT ROWID table reads a whole large row for each comparison of
/// a key lookup).
struct blob_chunk {
  BOOST_HANA_DEFINE_STRUCT(blob_chunk, (std::int64_t, id), (std::string, content), (std::int64_t, index),
                           (std::string, sha256), (bytes, data));
};

}  // namespace detail

template <>
struct record_traits<detail::blob_record> {
  static constexpr std::string_view table = "stowage_blobs";
};
template <>
struct record_traits<detail::blob_chunk> {
  static constexpr std::string_view table = "stowage_blob_chunks";
};

namespace detail::blob_impl {

using digest = std::array<unsigned char, 32>;

/// An incremental SHA-256 (OpenSSL's EVP interface, kept out of this header).
class sha256 {
 public:
  sha256();
  ~sha256();
  sha256(sha256&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}
  sha256& operator=(sha256&& o) noexcept {
    std::swap(ctx_, o.ctx_);
    return *this;
  }
  void update(const void* p, std::size_t n);
  /// The digest of what was added; the hash starts again empty.
  digest finish();

 private:
  void* ctx_;
};

std::string hex(const digest& d);
/// The digest hex text spells, or nullopt when it is not 64 hex digits.
std::optional<digest> from_hex(std::string_view text);
/// A new id: 12 hex digits of the time in ms, then 20 random ones, so ids sort by creation.
std::string new_id();
/// The key of a blob's first chunk (the others follow it): random, below 2^62, so that the keys
/// of blobs written at once by several connections or processes do not meet (two blobs of a
/// million chunks each share a key with a chance of one in 2^22 billion; an insert would then
/// fail with a conflict_error, never overwrite).
std::int64_t new_chunk_base();

[[noreturn]] void corrupt(std::string_view id, std::string_view what);

/// Where a writer puts each finished chunk: the store's own function and its state.
struct chunk_sink {
  void* self;
  void (*put)(void* self, std::uint64_t index, std::span<const std::byte> data, const digest& d);
};

/// Where a reader takes chunks from on backends without files: fills data and the chunk's
/// stored hash, or returns false when the chunk is missing.
struct chunk_source {
  void* self;
  bool (*get)(void* self, std::int64_t key, bytes& data, digest& d);
};

/// A blob's content being written: cuts the bytes into chunks, hashes each and the whole, and
/// hands each chunk to a sink or writes it to a temporary file (json_dir).
class writer {
 public:
  /// Chunks go to sink.
  writer(std::size_t chunk_size, chunk_sink sink);
  /// Chunks go to a temporary file in dir, renamed to dir/name by commit_file().
  writer(std::size_t chunk_size, std::string dir, std::string name);
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  ~writer();

  void add(std::span<const std::byte> bytes);
  /// Adds everything the stream holds; bad_input_error when it fails before its end.
  void add(std::istream& in);
  /// Ends the content (the last chunk is handed on); returns the whole content's digest.
  digest finish();
  std::uint64_t size() const noexcept { return size_; }
  std::uint64_t chunks() const noexcept { return index_; }
  /// Makes the file durable under its name (after finish()).
  void commit_file();

 private:
  void flush_chunk();

  std::size_t chunk_size_;
  chunk_sink sink_{};
  std::vector<std::byte> buffer_;
  std::size_t filled_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t index_ = 0;
  sha256 whole_;
  sha256 part_;
  // json_dir: the file being written and the chunk digests that end it
  std::string dir_;
  std::string name_;
  std::string tmp_;
  int fd_ = -1;
  std::vector<digest> digests_;
};

// paths are strings here: <filesystem> alone costs a translation unit more than the rest of
// this header, and only json_dir, which includes it anyway, has files
[[noreturn]] void fail_file(std::string_view what, const std::string& p, int err);
void sync_dir(const std::string& dir);
/// Removes dir/name if it exists, and flushes dir.
void remove_file(const std::string& dir, const std::string& name);
/// Removes the files of dir not named in keep (sorted); returns how many.
std::uint64_t remove_files_except(const std::string& dir, const std::vector<std::string>& keep);

}  // namespace detail::blob_impl

/// A blob being read: the whole blob or a byte range of it. An input range of pieces
/// (std::span<const std::byte>, each valid until the next is read), or read like a stream with
/// read(). Each chunk is checked as it is read. Valid while its database lives.
class blob_reader {
 public:
  class iterator {
   public:
    using value_type = std::span<const std::byte>;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;
    iterator() = default;
    std::span<const std::byte> operator*() const { return r_->piece_; }
    iterator& operator++() {
      r_->advance();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

   private:
    friend class blob_reader;
    explicit iterator(blob_reader* r) : r_(r) {}
    bool at_end() const { return !r_ || r_->done_; }
    blob_reader* r_ = nullptr;
  };

  blob_reader(blob_reader&&) noexcept;
  blob_reader& operator=(blob_reader&&) noexcept;
  ~blob_reader();

  /// The blob being read.
  const blob_info& info() const noexcept { return info_; }
  /// The first piece is read by begin(), the first time only.
  iterator begin();
  std::default_sentinel_t end() const noexcept { return {}; }

  /// Reads up to out.size() bytes; returns how many (0 at the end), as std::istream::read and
  /// gcount() together.
  std::size_t read(std::span<std::byte> out);
  std::size_t read(char* out, std::size_t n) { return read(std::as_writable_bytes(std::span(out, n))); }
  /// Everything left, in one buffer.
  bytes read_all();
  /// Writes everything left to out; returns how many bytes.
  std::uint64_t copy_to(std::ostream& out);

 private:
  template <class>
  friend class blob_store;
  struct file;
  blob_reader(blob_info info, std::uint64_t chunk_size, std::int64_t first_chunk, detail::blob_impl::digest whole,
              std::uint64_t offset, std::uint64_t end, detail::blob_impl::chunk_source source, std::string file);
  /// Moves to the next piece (sets done_ at the end).
  void advance();
  void load_chunk(std::uint64_t index);

  blob_info info_;
  std::uint64_t chunk_size_ = 0;
  std::int64_t first_chunk_ = 0;
  detail::blob_impl::digest whole_{};
  std::uint64_t pos_ = 0;  // the next byte to yield
  std::uint64_t end_ = 0;
  bool whole_read_ = false;               // reading from byte 0 to the end: the whole digest is checked too
  detail::blob_impl::sha256 hash_;        // of each chunk
  detail::blob_impl::sha256 whole_hash_;  // of the whole, when whole_read_
  detail::blob_impl::chunk_source source_{};
  std::unique_ptr<file> file_;
  bytes chunk_;
  std::span<const std::byte> piece_;
  std::size_t piece_used_ = 0;  // what read() has taken of piece_
  bool started_ = false;
  bool done_ = false;
};

namespace detail {
/// Bytes an element of a chunk range holds: a contiguous range of std::byte, char or unsigned char.
template <class C>
std::span<const std::byte> chunk_bytes(const C& c) {
  return std::as_bytes(std::span(std::ranges::data(c), std::ranges::size(c)));
}
template <class C>
concept byte_chunk = std::ranges::contiguous_range<const C&> && std::ranges::sized_range<const C&> &&
    (std::same_as<std::ranges::range_value_t<const C&>, std::byte> ||
     std::same_as<std::ranges::range_value_t<const C&>, char> ||
     std::same_as<std::ranges::range_value_t<const C&>, unsigned char>);
template <class R>
concept chunk_range = std::ranges::input_range<R> && byte_chunk<std::remove_cvref_t<std::ranges::range_reference_t<R>>>;

/// A backend that keeps its data in files under a directory (json_dir): its blobs are files too.
template <class Backend>
concept file_backend = requires(const Backend& b) {
  { b.root().native() } -> std::convertible_to<const std::string&>;
};
}  // namespace detail

/// The blobs of one database: a cheap handle, valid while the database lives. Safe to use from
/// several threads as the database is.
template <class Backend>
class blob_store {
 public:
  explicit blob_store(database<Backend>& db, blob_options options = {}) : db_(&db), options_(options) {
    if (options_.chunk_size < 4096 || options_.chunk_size > (64u << 20))
      throw bad_input_error("blob_options::chunk_size must be from 4 KiB to 64 MiB, not " +
                            std::to_string(options_.chunk_size));
  }

  /// Stores everything the stream holds as a new blob.
  blob_info write(std::istream& in) {
    return write_with([&](detail::blob_impl::writer& w) { w.add(in); });
  }
  /// Stores the bytes of the chunks, one after another, as a new blob: any input range whose
  /// elements are contiguous ranges of std::byte, char or unsigned char (std::string,
  /// std::string_view, std::vector<std::byte>, std::span<const std::byte>, ...).
  template <class Chunks>
  requires detail::chunk_range<Chunks&> blob_info write(Chunks&& chunks) {
    return write_with([&](detail::blob_impl::writer& w) {
      for (auto&& c : chunks) w.add(detail::chunk_bytes(c));
    });
  }

  /// The blob with this id, if there is one.
  std::optional<blob_info> info(std::string_view id) const {
    auto r = records().get(std::string(id));
    if (!r) return std::nullopt;
    return blob_info{r->id, static_cast<std::uint64_t>(r->size), r->sha256};
  }
  bool exists(std::string_view id) const { return info(id).has_value(); }
  /// The blob's size; not_found_error when there is no such blob.
  std::uint64_t size(std::string_view id) const { return static_cast<std::uint64_t>(record_of(id).size); }

  /// Reads the whole blob; not_found_error when there is no such blob.
  blob_reader open(std::string_view id) const { return open_record(record_of(id), 0, ~std::uint64_t{0}); }
  /// Reads bytes [offset, offset + n) of the blob, cut at its end (a range past the end is empty).
  blob_reader open(std::string_view id, std::uint64_t offset, std::uint64_t n) const {
    return open_record(record_of(id), offset, n);
  }
  /// The whole blob in memory.
  bytes read(std::string_view id) const { return open(id).read_all(); }
  /// Bytes [offset, offset + n) of the blob in memory.
  bytes read(std::string_view id, std::uint64_t offset, std::uint64_t n) const {
    return open(id, offset, n).read_all();
  }

  /// Deletes the blob; returns whether there was one. In a transaction, as a write.
  bool erase(std::string_view id) {
    auto tx = db_->transaction();
    bool outermost = tx.depth() == 0;
    auto table = records();
    auto r = table.get(std::string(id));
    if (!r) return false;
    table.erase(r->id);
    if constexpr (!detail::file_backend<Backend>) {
      auto chunks = db_->template table<detail::blob_chunk>();
      for (std::int64_t i = 0; i < r->chunks; ++i) chunks.erase(r->first_chunk + i);
      tx.commit();
    } else {
      tx.commit();
      // the file goes once nothing can bring the record back: after the outermost commit
      if (outermost) detail::blob_impl::remove_file(blob_dir(), r->content);
    }
    return true;
  }

  /// json_dir: removes the files of blobs written in transactions that rolled back (or erased
  /// inside a transaction); returns how many. Other backends have nothing to sweep.
  std::uint64_t sweep() {
    if constexpr (detail::file_backend<Backend>) {
      auto tx = db_->transaction();  // no blob is written meanwhile
      std::vector<std::string> keep;
      for (const auto& r : records().query()) keep.push_back(r.content);
      std::sort(keep.begin(), keep.end());
      auto n = detail::blob_impl::remove_files_except(blob_dir(), keep);
      tx.commit();
      return n;
    } else {
      return 0;
    }
  }

  database<Backend>& db() const noexcept { return *db_; }
  const blob_options& options() const noexcept { return options_; }

 private:
  using record = detail::blob_record;

  table<record, Backend> records() const { return db_->template table<record>(); }

  std::string blob_dir() const {
    if constexpr (detail::file_backend<Backend>)
      return db_->backend().root().native() + "/.blobs";
    else
      return {};
  }

  record record_of(std::string_view id) const {
    auto r = records().get(std::string(id));
    if (!r) throw not_found_error("no blob with this id", {"blob", "stowage_blobs", std::string(id), {}});
    return *r;
  }

  // the chunk table of the database at self, as the writer's sink
  struct sink_state {
    database<Backend>* db;
    const record* blob;
    detail::blob_chunk scratch;
  };
  static void put_chunk(void* self, std::uint64_t index, std::span<const std::byte> data,
                        const detail::blob_impl::digest& d) {
    auto& s = *static_cast<sink_state*>(self);
    s.scratch.id = s.blob->first_chunk + static_cast<std::int64_t>(index);
    s.scratch.content = s.blob->content;
    s.scratch.index = static_cast<std::int64_t>(index);
    s.scratch.sha256 = detail::blob_impl::hex(d);
    s.scratch.data.assign(data.begin(), data.end());
    s.db->template table<detail::blob_chunk>().insert(s.scratch);
  }
  static bool get_chunk(void* self, std::int64_t key, bytes& data, detail::blob_impl::digest& d) {
    auto* db = static_cast<database<Backend>*>(self);
    auto c = db->template table<detail::blob_chunk>().get(key);
    if (!c) return false;
    auto h = detail::blob_impl::from_hex(c->sha256);
    if (!h) return false;
    d = *h;
    data = std::move(c->data);
    return true;
  }

  template <class Feed>
  blob_info write_with(Feed&& feed) {
    using namespace detail::blob_impl;
    auto tx = db_->transaction();
    record r;
    r.content = new_id();
    r.chunk_size = static_cast<std::int64_t>(options_.chunk_size);
    std::optional<writer> w;
    if constexpr (!detail::file_backend<Backend>) r.first_chunk = new_chunk_base();
    sink_state sink{db_, &r, {}};
    if constexpr (detail::file_backend<Backend>)
      w.emplace(options_.chunk_size, blob_dir(), r.content);
    else
      w.emplace(options_.chunk_size, chunk_sink{&sink, &put_chunk});
    feed(*w);
    r.sha256 = hex(w->finish());
    r.size = static_cast<std::int64_t>(w->size());
    r.chunks = static_cast<std::int64_t>(w->chunks());
    r.id = options_.content_addressed ? r.sha256 : r.content;
    auto table = records();
    if (options_.content_addressed) {
      if (auto stored = table.get(r.id)) {
        tx.rollback();  // its chunks are stored already; the file (json_dir) is never made
        return {stored->id, static_cast<std::uint64_t>(stored->size), stored->sha256};
      }
    }
    if constexpr (detail::file_backend<Backend>) w->commit_file();
    try {
      table.insert(r);
    } catch (const conflict_error&) {
      // Another connection stored the same content between the check above and this insert
      // (PostgreSQL lets writers run at once). Outside a caller's transaction, this one is undone
      // with its chunks and the stored copy is the answer; inside one, the caller's transaction
      // has to be run again, as after any conflict.
      if (!options_.content_addressed || tx.depth() > 0) throw;
      tx.rollback();
      if (auto stored = table.get(r.id)) return {stored->id, static_cast<std::uint64_t>(stored->size), stored->sha256};
      throw;
    }
    tx.commit();
    return {r.id, static_cast<std::uint64_t>(r.size), r.sha256};
  }

  blob_reader open_record(const record& r, std::uint64_t offset, std::uint64_t n) const {
    auto whole = detail::blob_impl::from_hex(r.sha256);
    if (!whole || r.size < 0 || r.chunk_size <= 0 || r.chunks < 0)
      detail::blob_impl::corrupt(r.id, "its record in stowage_blobs does not describe a blob");
    auto size = static_cast<std::uint64_t>(r.size);
    std::uint64_t begin = std::min(offset, size);
    std::uint64_t end = n > size - begin ? size : begin + n;
    std::string file;
    if constexpr (detail::file_backend<Backend>) file = blob_dir() + "/" + r.content;
    return blob_reader({r.id, size, r.sha256}, static_cast<std::uint64_t>(r.chunk_size), r.first_chunk, *whole, begin,
                       end, {db_, &get_chunk}, std::move(file));
  }

  database<Backend>* db_;
  blob_options options_;
};

template <class Backend>
blob_store(database<Backend>&) -> blob_store<Backend>;
template <class Backend>
blob_store(database<Backend>&, blob_options) -> blob_store<Backend>;

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/blob/impl/blob_store.ipp>
#endif
