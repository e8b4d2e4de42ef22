// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
// The blob store's type-independent work: hashing, chunking, the json_dir files, reading and
// checking chunks.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <istream>
#include <ostream>

#include <stowage/detail/hex.hpp>
#include <stowage/uuid.hpp>

namespace stowage {
namespace detail::blob_impl {

// a full, forbidden or read-only file system alike: the store cannot do its work
[[noreturn]] STOWAGE_INLINE void fail_file(std::string_view what, const std::string& p, int err) {
  throw unavailable_error(std::string(what) + " " + p, {"blob", "", p, std::strerror(err)});
}

STOWAGE_INLINE void sync_dir(const std::string& dir) {
  int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) fail_file("cannot open the blob directory", dir, errno);
  int rc = ::fsync(d);
  int err = errno;
  ::close(d);
  if (rc != 0) fail_file("cannot flush the blob directory", dir, err);
}

STOWAGE_INLINE sha256::sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    throw internal_error("OpenSSL cannot start a SHA-256");
  }
}

STOWAGE_INLINE sha256::~sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

STOWAGE_INLINE void sha256::update(const void* p, std::size_t n) {
  if (n && EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), p, n) != 1)
    throw internal_error("OpenSSL cannot hash (SHA-256)");
}

STOWAGE_INLINE digest sha256::finish() {
  digest d{};
  unsigned n = 0;
  auto* c = static_cast<EVP_MD_CTX*>(ctx_);
  if (EVP_DigestFinal_ex(c, d.data(), &n) != 1 || n != d.size() || EVP_DigestInit_ex(c, EVP_sha256(), nullptr) != 1)
    throw internal_error("OpenSSL cannot finish a SHA-256");
  return d;
}

STOWAGE_INLINE std::string hex(const digest& d) {
  std::string out(2 * d.size(), '0');
  detail::write_hex(d.data(), d.size(), out.data());
  return out;
}

STOWAGE_INLINE std::optional<digest> from_hex(std::string_view text) {
  digest d{};
  if (!detail::read_hex(text, d.data(), d.size())) return std::nullopt;
  return d;
}

STOWAGE_INLINE std::string new_id() {
  // a version 7 UUID without its dashes: the time in milliseconds first, so ids sort by creation
  const uuid u = new_uuid();
  std::string id(32, '0');
  detail::write_hex(u.data, 16, id.data());
  return id;
}

STOWAGE_INLINE std::int64_t new_chunk_base() {
  std::uint64_t r = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1)
    throw internal_error("OpenSSL cannot make random bytes for a blob's chunk keys");
  return static_cast<std::int64_t>(r >> 2);
}

[[noreturn]] STOWAGE_INLINE void corrupt(std::string_view id, std::string_view what) {
  throw corrupt_error("blob " + std::string(id) + ": " + std::string(what),
                      {"blob", "stowage_blobs", std::string(id), {}});
}

STOWAGE_INLINE writer::writer(std::size_t chunk_size, chunk_sink sink)
    : chunk_size_(chunk_size), sink_(sink), buffer_(chunk_size) {}

STOWAGE_INLINE writer::writer(std::size_t chunk_size, std::string dir, std::string name)
    : chunk_size_(chunk_size), buffer_(chunk_size), dir_(std::move(dir)), name_(std::move(name)) {
  // in the store's root, which the backend made
  if (::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) fail_file("cannot create the blob directory", dir_, errno);
  // the name json_dir removes when it opens a store after a crash
  tmp_ = dir_ + "/.tmp-" + name_ + "-" + std::to_string(::getpid());
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_file("cannot create a blob file", tmp_, errno);
}

STOWAGE_INLINE writer::~writer() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

STOWAGE_INLINE void writer::add(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    std::size_t n = std::min(bytes.size(), chunk_size_ - filled_);
    std::memcpy(buffer_.data() + filled_, bytes.data(), n);
    filled_ += n;
    bytes = bytes.subspan(n);
    if (filled_ == chunk_size_) flush_chunk();
  }
}

STOWAGE_INLINE void writer::add(std::istream& in) {
  while (in) {
    in.read(reinterpret_cast<char*>(buffer_.data() + filled_), static_cast<std::streamsize>(chunk_size_ - filled_));
    filled_ += static_cast<std::size_t>(in.gcount());
    if (filled_ == chunk_size_) flush_chunk();
  }
  if (in.bad() || !in.eof())
    throw bad_input_error("the stream a blob was read from failed after " + std::to_string(size_ + filled_) + " bytes");
}

STOWAGE_INLINE void writer::flush_chunk() {
  std::span<const std::byte> data(buffer_.data(), filled_);
  whole_.update(data.data(), data.size());
  part_.update(data.data(), data.size());
  digest d = part_.finish();
  if (fd_ >= 0) {
    for (std::size_t done = 0; done < data.size();) {
      ssize_t w = ::write(fd_, data.data() + done, data.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail_file("cannot write a blob file", tmp_, errno);
      done += static_cast<std::size_t>(w);
    }
    digests_.push_back(d);
  } else {
    sink_.put(sink_.self, index_, data, d);
  }
  size_ += filled_;
  ++index_;
  filled_ = 0;
}

STOWAGE_INLINE digest writer::finish() {
  if (filled_ > 0) flush_chunk();
  return whole_.finish();
}

STOWAGE_INLINE void writer::commit_file() {
  auto write_all = [&](const void* p, std::size_t n) {
    for (std::size_t done = 0; done < n;) {
      ssize_t w = ::write(fd_, static_cast<const char*>(p) + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail_file("cannot write a blob file", tmp_, errno);
      done += static_cast<std::size_t>(w);
    }
  };
  write_all(digests_.data(), digests_.size() * sizeof(digest));
  if (::fsync(fd_) != 0) fail_file("cannot flush a blob file", tmp_, errno);
  auto target = dir_ + "/" + name_;
  if (::rename(tmp_.c_str(), target.c_str()) != 0) fail_file("cannot rename a blob file into place", target, errno);
  ::close(std::exchange(fd_, -1));
  sync_dir(dir_);
}

STOWAGE_INLINE void remove_file(const std::string& dir, const std::string& name) {
  auto p = dir + "/" + name;
  if (::unlink(p.c_str()) != 0) {
    if (errno == ENOENT) return;
    fail_file("cannot remove a blob file", p, errno);
  }
  sync_dir(dir);
}

STOWAGE_INLINE std::uint64_t remove_files_except(const std::string& dir, const std::vector<std::string>& keep) {
  std::uint64_t n = 0;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;  // no blob was ever written
  while (const dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    // dot names: ".", "..", and the temporary files of writes under way
    if (name.starts_with(".") || std::binary_search(keep.begin(), keep.end(), name)) continue;
    if (::unlinkat(::dirfd(d), name.c_str(), 0) == 0) ++n;
  }
  ::closedir(d);
  if (n) sync_dir(dir);
  return n;
}

}  // namespace detail::blob_impl

/// The open blob file of a reader on json_dir.
struct blob_reader::file {
  int fd = -1;
  std::string path;
  ~file() {
    if (fd >= 0) ::close(fd);
  }
};

STOWAGE_INLINE blob_reader::blob_reader(blob_info info, std::uint64_t chunk_size, std::int64_t first_chunk,
                                        detail::blob_impl::digest whole, std::uint64_t offset, std::uint64_t end,
                                        detail::blob_impl::chunk_source source, std::string file_path)
    : info_(std::move(info)),
      chunk_size_(chunk_size),
      first_chunk_(first_chunk),
      whole_(whole),
      pos_(offset),
      end_(end),
      whole_read_(offset == 0 && end == info_.size),
      source_(source) {
  if (!file_path.empty()) {
    file_ = std::make_unique<file>();
    file_->path = std::move(file_path);
    file_->fd = ::open(file_->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file_->fd < 0) {
      if (errno == ENOENT) detail::blob_impl::corrupt(info_.id, "its file " + file_->path + " is missing");
      detail::blob_impl::fail_file("cannot open a blob file", file_->path, errno);
    }
    struct stat st {};
    std::uint64_t chunks = info_.size == 0 ? 0 : (info_.size + chunk_size_ - 1) / chunk_size_;
    if (::fstat(file_->fd, &st) != 0) detail::blob_impl::fail_file("cannot read a blob file", file_->path, errno);
    if (static_cast<std::uint64_t>(st.st_size) != info_.size + chunks * sizeof(detail::blob_impl::digest))
      detail::blob_impl::corrupt(info_.id, "its file " + file_->path + " has " + std::to_string(st.st_size) +
                                               " bytes, not the " + std::to_string(info_.size) +
                                               " bytes of the blob and the hashes of its " + std::to_string(chunks) +
                                               " chunks");
  }
}

STOWAGE_INLINE blob_reader::blob_reader(blob_reader&&) noexcept = default;
STOWAGE_INLINE blob_reader& blob_reader::operator=(blob_reader&&) noexcept = default;
STOWAGE_INLINE blob_reader::~blob_reader() = default;

STOWAGE_INLINE void blob_reader::load_chunk(std::uint64_t index) {
  using namespace detail::blob_impl;
  std::uint64_t start = index * chunk_size_;
  auto expected = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size_, info_.size - start));
  digest stored{};
  auto where = [&] { return "chunk " + std::to_string(index); };
  if (file_) {
    chunk_.resize(expected);
    auto pread_all = [&](void* p, std::size_t n, std::uint64_t at) {
      for (std::size_t done = 0; done < n;) {
        ssize_t r = ::pread(file_->fd, static_cast<char*>(p) + done, n - done, static_cast<off_t>(at + done));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail_file("cannot read a blob file", file_->path, errno);
        if (r == 0) corrupt(info_.id, "its file " + file_->path + " ends early");
        done += static_cast<std::size_t>(r);
      }
    };
    pread_all(chunk_.data(), expected, start);
    pread_all(stored.data(), stored.size(), info_.size + index * sizeof(digest));
  } else {
    if (!source_.get(source_.self, first_chunk_ + static_cast<std::int64_t>(index), chunk_, stored))
      corrupt(info_.id, where() + " is missing from stowage_blob_chunks");
    if (chunk_.size() != expected)
      corrupt(info_.id, where() + " has " + std::to_string(chunk_.size()) + " bytes, not " + std::to_string(expected));
  }
  hash_.update(chunk_.data(), chunk_.size());
  if (hash_.finish() != stored) corrupt(info_.id, where() + " does not match its SHA-256 (a stored byte changed)");
}

STOWAGE_INLINE void blob_reader::advance() {
  using namespace detail::blob_impl;
  piece_used_ = 0;
  if (pos_ >= end_) {
    if (whole_read_ && info_.size == 0 && whole_ != sha256().finish())
      corrupt(info_.id, "the empty content does not match the blob's SHA-256");
    done_ = true;
    piece_ = {};
    return;
  }
  std::uint64_t index = pos_ / chunk_size_;
  load_chunk(index);
  std::uint64_t start = index * chunk_size_;
  auto from = static_cast<std::size_t>(pos_ - start);
  auto to = static_cast<std::size_t>(std::min<std::uint64_t>(end_ - start, chunk_.size()));
  piece_ = std::span<const std::byte>(chunk_).subspan(from, to - from);
  pos_ = start + to;
  if (whole_read_) {
    // chunks verified one by one can still be the wrong ones (rows of another blob): the whole
    // content's digest, checked when the last chunk is read, says the blob is the one written
    whole_hash_.update(chunk_.data(), chunk_.size());
    if (pos_ == end_ && whole_hash_.finish() != whole_)
      corrupt(info_.id, "its content does not match the blob's SHA-256");
  }
}

STOWAGE_INLINE blob_reader::iterator blob_reader::begin() {
  if (!started_) {
    started_ = true;
    advance();
  }
  return iterator(this);
}

STOWAGE_INLINE std::size_t blob_reader::read(std::span<std::byte> out) {
  std::size_t n = 0;
  if (!started_) begin();
  while (n < out.size() && !done_) {
    std::size_t take = std::min(out.size() - n, piece_.size() - piece_used_);
    std::memcpy(out.data() + n, piece_.data() + piece_used_, take);
    n += take;
    piece_used_ += take;
    if (piece_used_ == piece_.size()) advance();
  }
  return n;
}

STOWAGE_INLINE bytes blob_reader::read_all() {
  bytes out;
  if (!started_) begin();
  out.reserve(static_cast<std::size_t>(end_ - pos_ + piece_.size() - piece_used_));
  while (!done_) {
    out.insert(out.end(), piece_.begin() + static_cast<std::ptrdiff_t>(piece_used_), piece_.end());
    advance();
  }
  return out;
}

STOWAGE_INLINE std::uint64_t blob_reader::copy_to(std::ostream& out) {
  std::uint64_t n = 0;
  if (!started_) begin();
  while (!done_) {
    auto rest = piece_.subspan(piece_used_);
    out.write(reinterpret_cast<const char*>(rest.data()), static_cast<std::streamsize>(rest.size()));
    if (!out) throw bad_input_error("the stream a blob was copied to failed after " + std::to_string(n) + " bytes");
    n += rest.size();
    advance();
  }
  return n;
}

}  // namespace stowage
