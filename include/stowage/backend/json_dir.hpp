// The json_dir backend: each table is a directory with one pretty-printed JSON file per record,
// <root>/<table>/<encoded key>.json, meant to be read, edited, diffed and committed by people.
//
// URL: a directory path, optionally prefixed with "dir:". It is created when missing. After
// "dir:", a '?' starts parameters (a plain path is taken as it is, '?' included):
//   lock_timeout=<ms>  how long a writer waits for the store's lock before it gives up with an
//                      unavailable_error naming the lock file (default 5000, as SQLite's busy
//                      timeout); 0 tries once.
//
// Guarantees:
// - every write goes to a temporary file that is flushed and renamed over the old one, and the
//   directory is flushed: after a crash a record file holds the old or the new record, never a
//   mix;
// - a transaction (put_many included) is all or nothing across a crash: its writes are first
//   recorded in <root>/.journal (flushed, then renamed into place: the commit point), then
//   applied; a store opened after a crash finishes applying a journal it finds;
// - writers in several threads and processes are serialized by flock() on <root>/.lock; a
//   transaction holds the lock from begin to end; a writer waits for it at most lock_timeout
//   (so two databases on one directory in one thread fail instead of hanging); readers never
//   lock and never see a torn file;
// - a journal is checked whole before any of it is applied: every table and file it names must
//   be a name the key encoding produces (so none can reach outside the root), else it is a
//   corrupt_error and nothing is applied;
// - a file edited by hand is picked up (files are checked by inode, size and modification time,
//   and a file changed in the last 100 ms is read again);
//   a malformed one is a corrupt_error naming the file and the line, and the others stay
//   readable; fields a record does not know are kept when the record is rewritten;
// - a record file whose key field does not encode to its file name (k3.json holding the key
//   "OTHER") is a corrupt_error naming the file, on get and in queries alike; a .json file
//   whose name no key encodes to (%zz.json, Notes.json) is not a record: get, queries, count
//   and clear leave it alone;
// - queries are evaluated in memory, with the SQL backends' semantics, over a cache that re-reads
//   only the files that changed since the last query.
//
// Thread safety: as every backend, through database<json_dir>'s lock.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <stowage/backend/concepts.hpp>
#include <stowage/backend/schema_diff.hpp>
#include <stowage/detail/iso_time.hpp>
#include <stowage/query/evaluate.hpp>

namespace stowage {
namespace detail::json_dir_impl {

namespace fs = std::filesystem;

/// A path too long for the system comes of the name the user chose; a file system that is
/// full, forbidden or laid out otherwise than a store (a directory where a file belongs, a
/// file where a directory belongs, a loop of links) is unavailable; other failures are bugs.
[[noreturn]] inline void fail_io(std::string_view what, const fs::path& p, int err = errno) {
  error_kind kind = err == ENAMETOOLONG ? error_kind::bad_input
                    : err == ENOENT || err == EACCES || err == EPERM || err == ENOSPC || err == EROFS || err == EIO ||
                            err == EDQUOT || err == EMFILE || err == ENFILE || err == EISDIR || err == ENOTDIR ||
                            err == ELOOP
                        ? error_kind::unavailable
                        : error_kind::internal;
  throw_error(kind, std::string(what) + " " + p.string(), error_context{{}, {}, {}, std::strerror(err)});
}

/// A file descriptor, closed when it goes.
class fd {
 public:
  explicit fd(int f = -1) noexcept : f_(f) {}
  fd(fd&& o) noexcept : f_(std::exchange(o.f_, -1)) {}
  fd& operator=(fd&& o) noexcept {
    std::swap(f_, o.f_);
    return *this;
  }
  ~fd() {
    if (f_ >= 0) ::close(f_);
  }
  int get() const noexcept { return f_; }

 private:
  int f_;
};

inline void sync_dir(const fs::path& dir) {
  fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0 || ::fsync(d.get()) != 0) fail_io("cannot flush the directory", dir);
}

/// Replaces p's content atomically: temporary file, flush, rename, flush the directory.
inline void write_atomic(const fs::path& p, std::string_view content) {
  fs::path tmp = p.parent_path() / (".tmp-" + p.filename().string() + "-" + std::to_string(::getpid()));
  {
    fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (f.get() < 0) fail_io("cannot create", tmp);
    std::size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(f.get(), content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        fail_io("cannot write", tmp, err);
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(f.get()) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      fail_io("cannot flush", tmp, err);
    }
  }
  if (::rename(tmp.c_str(), p.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail_io("cannot rename into place", p, err);
  }
  sync_dir(p.parent_path());
}

inline std::optional<std::string> read_file(const fs::path& p) {
  fd f(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail_io("cannot open", p);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(f.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_io("cannot read", p);
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

inline void remove_file(const fs::path& p) {
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) fail_io("cannot delete", p);
}

/// An exclusive flock() on a file, released when it goes.
class file_lock {
 public:
  file_lock() = default;
  /// Waits at most timeout for the lock. flock() has no timed wait, so it polls, with pauses
  /// growing from 1 to 16 ms: a lock is held for one write or one transaction.
  file_lock(const fs::path& p, std::chrono::milliseconds timeout)
      : f_(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (f_.get() < 0) fail_io("cannot open the lock file", p);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::milliseconds(1);
    while (::flock(f_.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EINTR) continue;
      if (errno != EWOULDBLOCK) fail_io("cannot lock", p);
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline)
        throw unavailable_error("the lock file " + p.string() + " stayed locked by another writer for " +
                                    std::to_string(timeout.count()) + " ms (the json_dir URL's lock_timeout)",
                                error_context{{}, {}, {}, std::strerror(EWOULDBLOCK)});
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
      pause = std::min(pause * 2, std::chrono::milliseconds(16));
    }
  }
  bool held() const noexcept { return f_.get() >= 0; }

 private:
  fd f_;
};

/// Key text to a file name: [a-z0-9_-] and inner dots stay, an upper-case letter becomes ^ and
/// the letter in lower case ("Readme" is "^readme"), and every other byte becomes %xx (lower-case
/// hex). So names never clash on a case-insensitive file system, never start with a dot and never
/// hold a separator. The empty key is "%". Names longer than 180 bytes keep a prefix and end in
/// "~" and a hash; the file holds the full key either way.
inline std::string encode_file_name(std::string_view key) {
  static constexpr char hex[] = "0123456789abcdef";
  if (key.empty()) return "%";
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || (c == '.' && i > 0);
    if (plain) {
      out += static_cast<char>(c);
    } else if (c >= 'A' && c <= 'Z') {
      out += '^';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  // names Windows reserves for devices, whatever the extension
  static constexpr std::string_view reserved[] = {"con", "prn", "aux", "nul"};
  std::string_view stem = std::string_view(out).substr(0, out.find('.'));
  bool device =
      std::find(std::begin(reserved), std::end(reserved), stem) != std::end(reserved) ||
      (stem.size() == 4 && (stem.starts_with("com") || stem.starts_with("lpt")) && stem[3] >= '0' && stem[3] <= '9');
  if (device)
    out = "%" + std::string(1, hex[static_cast<unsigned char>(out[0]) >> 4]) +
          hex[static_cast<unsigned char>(out[0]) & 15] + out.substr(1);
  constexpr std::size_t max = 180;
  if (out.size() > max) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a over the whole key
    for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    std::size_t cut = 120;
    // not inside %xx or ^x
    while (cut > 0 && (out[cut - 1] == '%' || out[cut - 1] == '^' || (cut > 1 && out[cut - 2] == '%'))) --cut;
    out.resize(cut);
    out += '~';
    for (int shift = 60; shift >= 0; shift -= 4) out += hex[(h >> shift) & 15];
  }
  return out;
}

/// The key a file name encodes, or nullopt for a hashed (long-key) or foreign name.
inline std::optional<std::string> decode_file_name(std::string_view name) {
  if (name == "%") return std::string();
  if (name.find('~') != std::string_view::npos) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '^') {
      if (i + 1 >= name.size() || name[i + 1] < 'a' || name[i + 1] > 'z') return std::nullopt;
      out += static_cast<char>(name[++i] - 'a' + 'A');
      continue;
    }
    if (name[i] != '%') {
      out += name[i];
      continue;
    }
    if (i + 2 >= name.size()) return std::nullopt;
    auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
    int hi = digit(name[i + 1]), lo = digit(name[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

/// Whether a name is one that encode_file_name produces: the only table and file names a
/// journal may hold. Such a name has no separator, does not start with a dot and is not empty.
inline bool is_encoded_name(std::string_view name) {
  auto tilde = name.find('~');
  if (tilde == std::string_view::npos) {
    auto key = decode_file_name(name);
    return key && encode_file_name(*key) == name;
  }
  // a long key's name: a prefix of its encoding, '~' and 16 hex digits of a hash
  std::string_view prefix = name.substr(0, tilde), hash = name.substr(tilde + 1);
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '%' || c == '^';
  };
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  return !prefix.empty() && prefix.size() <= 120 && prefix[0] != '.' &&
         std::all_of(prefix.begin(), prefix.end(), allowed) && decode_file_name(prefix) && hash.size() == 16 &&
         std::all_of(hash.begin(), hash.end(), hex);
}

inline std::string key_text(const value& v) {
  switch (v.index()) {
    case 1: return std::to_string(std::get<1>(v));
    case 2: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", std::get<2>(v));
      return buf;
    }
    case 3: return std::get<3>(v);
    case 4: {
      const auto& b = std::get<4>(v);
      return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    }
    default: return {};
  }
}

/// A stored value as it appears in a record file: JSON columns embedded as JSON, timestamps in
/// ISO 8601, blobs in base64, non-finite reals as strings.
inline nlohmann::json to_file(const value& v, column_kind k) {
  switch (v.index()) {
    case 1:
      if (k == column_kind::boolean) return std::get<1>(v) != 0;
      if (k == column_kind::timestamp) return format_iso_utc(std::get<1>(v));
      return std::get<1>(v);
    case 2: {
      double d = std::get<2>(v);
      if (std::isfinite(d)) return d;
      return d > 0 ? "Infinity" : "-Infinity";
    }
    case 3:
      if (k == column_kind::json) return nlohmann::json::parse(std::get<3>(v));
      return std::get<3>(v);
    case 4: return base64_encode(std::get<4>(v));
    default: return nullptr;
  }
}

inline value from_file(const nlohmann::json& j, column_kind k, bool nullable) {
  // a JSON column that is not optional may hold JSON's null itself
  if (j.is_null()) return k == column_kind::json && !nullable ? value(std::string("null")) : value{};
  auto mismatch = [&](std::string_view expected) {
    return codec_failure{error_kind::corrupt, "expected " + std::string(expected) + ", found " + j.dump()};
  };
  switch (k) {
    case column_kind::boolean:
      if (!j.is_boolean()) throw mismatch("true or false");
      return std::int64_t{j.get<bool>()};
    case column_kind::int16:
    case column_kind::int32:
    case column_kind::int64:
      if (!j.is_number_integer() ||
          (j.is_number_unsigned() && j.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())))
        throw mismatch("an integer");
      return j.get<std::int64_t>();
    case column_kind::real32:
    case column_kind::real64:
      if (j.is_number()) return j.get<double>();
      if (j == "Infinity") return std::numeric_limits<double>::infinity();
      if (j == "-Infinity") return -std::numeric_limits<double>::infinity();
      throw mismatch("a number");
    case column_kind::text:
      if (!j.is_string()) throw mismatch("a string");
      return j.get<std::string>();
    case column_kind::blob:
      if (!j.is_string()) throw mismatch("a base64 string");
      return base64_decode(j.get_ref<const std::string&>());
    case column_kind::timestamp:
      if (j.is_string())
        if (auto us = parse_iso_utc(j.get_ref<const std::string&>())) return *us;
      throw mismatch("a UTC time such as \"2026-01-31T12:00:00.000000Z\"");
    case column_kind::json: return j.dump();
  }
  return value{};
}

/// Renders a document as stowage writes it: keys sorted, two-space indent, final newline.
inline std::string render(const nlohmann::json& doc) {
  try {
    return doc.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    throw codec_failure{error_kind::bad_input, std::string("the record cannot be written as JSON: ") + e.what()};
  }
}

/// The 1-based line of a byte offset in text.
inline std::size_t line_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 +
         static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace detail::json_dir_impl

class json_dir {
  using json = nlohmann::json;

 public:
  static constexpr std::string_view name = "json_dir";
  static constexpr bool streams = false;

  explicit json_dir(std::string_view url) {
    std::string p(url);
    if (p.starts_with("dir:")) {
      p = p.substr(4);
      if (auto q = p.find('?'); q != std::string::npos) {
        read_parameters(std::string_view(p).substr(q + 1));
        p.resize(q);
      }
    }
    if (p.empty()) throw bad_input_error("the json_dir backend needs a directory: \"dir:path/to/store\"");
    // the system would see the path cut at the NUL byte: another directory than the one named
    if (p.find('\0') != std::string::npos) {
      std::string shown;  // what() is cut at a NUL byte too
      for (char c : url) shown += c == '\0' ? std::string_view("\\0") : std::string_view(&c, 1);
      throw bad_input_error("the json_dir URL \"" + shown + "\" holds a NUL byte");
    }
    root_ = p;
    std::error_code ec;
    std::filesystem::create_directories(root_, ec);
    if (ec || !std::filesystem::is_directory(root_, ec))
      throw_error(ec.value() == ENAMETOOLONG ? error_kind::bad_input : error_kind::unavailable,
                  "cannot create the json_dir store \"" + p + "\"",
                  error_context{{}, {}, {}, ec ? ec.message() : "not a directory"});
    auto lock = exclusive();
    remove_temporaries();
  }

 private:
  /// A record file as last read: how to tell it changed, and its content.
  struct file_entry {
    ino_t inode = 0;
    std::int64_t mtime_ns = 0;
    off_t size = 0;
    // modified well before it was read: a later change cannot share its size and timestamp
    bool settled = false;
    json doc;
  };
  struct table_data {
    std::string name;
    std::filesystem::path dir;
    std::vector<detail::stored_column> columns;
    std::unordered_map<std::string, file_entry> files;  // by file name without ".json"
  };

 public:
  struct table_handle {
    table_data* data;
    const detail::table_schema* schema;
  };

  table_handle open_table(const detail::table_schema& s) {
    namespace impl = detail::json_dir_impl;
    auto& t = tables_[std::string(s.table)];
    if (!t) {
      t = std::make_unique<table_data>();
      t->name = std::string(s.table);
      t->dir = root_ / impl::encode_file_name(s.table);
    }
    auto lock = exclusive();
    std::error_code ec;
    std::filesystem::create_directories(t->dir, ec);
    if (ec) impl::fail_io("cannot create the table directory", t->dir, ec.value());
    auto schema_path = t->dir / ".schema.json";
    std::vector<detail::stored_column> stored = read_schema(s, schema_path);
    bool changed = stored.empty();
    if (stored.empty()) {
      for (std::size_t i = 0; i < s.columns.size(); ++i)
        stored.push_back({std::string(s.columns[i].name), s.columns[i].kind, i == s.key});
    } else {
      for (std::size_t i : detail::plan_migration(s, stored).added) {
        stored.push_back({std::string(s.columns[i].name), s.columns[i].kind, false});
        changed = true;
      }
    }
    if (changed) {
      json doc = json::object();
      doc["columns"] = json::array();
      for (const auto& c : stored)
        doc["columns"].push_back({{"name", c.name}, {"kind", to_string(c.kind)}, {"key", c.key}});
      impl::write_atomic(schema_path, impl::render(doc));
    }
    t->columns = std::move(stored);
    return {t.get(), &s};
  }

  write_result write(table_handle& h, const void* record, write_mode mode) {
    namespace impl = detail::json_dir_impl;
    const auto& s = *h.schema;
    std::vector<value> row = detail::encode_row(s, record);
    std::string file = file_of(row[s.key]);
    // the existence and uniqueness checks and the write happen under one lock, so another
    // process cannot insert the same key in between
    auto lock = exclusive();
    auto key = detail::key_of_record(s, record);
    std::optional<json> existing;
    try {
      existing = load(h, file);
    } catch (const corrupt_error&) {
      // a record file that does not parse exists all the same: an insert is refused, a
      // replacement repairs it (what the file held cannot be kept)
      if (mode == write_mode::insert) return write_result::key_exists;
      existing = json::object();
    }
    if (mode == write_mode::insert && existing) return write_result::key_exists;
    if (mode == write_mode::update && !existing) return write_result::key_missing;
    check_unique(h, row, file, key);
    json doc = existing && existing->is_object() ? std::move(*existing) : json::object();
    for (std::size_t i = 0; i < row.size(); ++i)
      doc[std::string(s.columns[i].name)] = impl::to_file(row[i], s.columns[i].kind);
    std::string text;
    try {
      text = impl::render(doc);
    } catch (const detail::codec_failure& c) {
      throw_error(c.kind, c.message, detail::context_of(s, key));
    }
    store(*h.data, file, std::move(doc), std::move(text));
    return write_result::done;
  }

  bool get(table_handle& h, const detail::cell& key, void* out) {
    std::string file = file_of(detail::to_value(key));
    auto doc = load(h, file);
    if (!doc) return false;
    detail::decode_row(*h.schema, row_of(h, *doc, file), out);
    return true;
  }

  bool erase(table_handle& h, const detail::cell& key) {
    std::string file = file_of(detail::to_value(key));
    auto lock = exclusive();
    if (!load(h, file)) return false;
    store(*h.data, file, std::nullopt);
    return true;
  }

  /// A snapshot of the selected records, decoded as they are yielded.
  using cursor = detail::row_cursor;

  cursor select(table_handle& h, const detail::query_spec& q) {
    auto rows = all_rows(h);
    std::vector<const std::vector<value>*> pointers;
    for (const auto& r : rows) pointers.push_back(&r);
    std::vector<std::vector<value>> out;
    for (const auto* r : detail::select_rows(
             pointers, q, [](const std::vector<value>& v) -> const auto& { return v; }))
      out.push_back(std::move(*const_cast<std::vector<value>*>(r)));  // rows is this call's own copy
    return cursor(*h.schema, std::move(out));
  }

  std::uint64_t count(table_handle& h, const detail::query_spec& q) {
    auto rows = all_rows(h);
    std::vector<const std::vector<value>*> pointers;
    for (const auto& r : rows) pointers.push_back(&r);
    return detail::select_rows(
               pointers, q, [](const std::vector<value>& v) -> const auto& { return v; })
        .size();
  }

  /// Deletes every record file, without reading them (so a file that does not parse goes too);
  /// files that are no records (see record_files) stay.
  void clear(table_handle& h) {
    auto tx = local_transaction();
    for (const auto& file : record_files(*h.data)) store(*h.data, file, std::nullopt);
    // records the open transaction wrote and the files do not show yet
    std::vector<std::string> written;
    for (const auto& layer : layers_)
      for (const auto& [k, c] : layer)
        if (k.first == h.data && c) written.push_back(k.second);
    for (const auto& file : written) store(*h.data, file, std::nullopt);
    tx.commit();
  }

  void begin(unsigned depth) {
    if (depth == 0) tx_lock_ = exclusive();
    layers_.resize(depth + 1);
  }
  void commit(unsigned depth) {
    if (depth > 0) {
      for (auto& [k, v] : layers_[depth]) layers_[depth - 1][k] = std::move(v);
      layers_.resize(depth);
      return;
    }
    pending all = std::move(layers_[0]);
    layers_.clear();
    try {
      apply_with_journal(all);
    } catch (...) {
      tx_lock_ = {};
      throw;
    }
    tx_lock_ = {};
  }
  void rollback(unsigned depth) {
    layers_.resize(depth);
    if (depth == 0) tx_lock_ = {};
  }

  const std::filesystem::path& root() const noexcept { return root_; }
  /// How many record files this store has read and parsed so far: a query over unchanged
  /// files reads none again.
  std::uint64_t files_read() const noexcept { return files_read_; }
  /// The file that holds (or would hold) the record with this key.
  template <class K>
  std::filesystem::path file_for(const table_handle& h, const K& key) const {
    std::string scratch;
    return h.data->dir / (file_of(detail::to_value(detail::key_cell(*h.schema, key, scratch))) + ".json");
  }

 private:
  /// A record file a transaction writes: its document and the text rendered from it.
  struct change {
    json doc;
    std::string text;
  };
  // (table, file name) -> what to write, or nullopt to delete
  using pending = std::map<std::pair<table_data*, std::string>, std::optional<change>>;

  /// Reads the parameters of a "dir:" URL, "name=value&...".
  void read_parameters(std::string_view params) {
    while (!params.empty()) {
      auto amp = params.find('&');
      std::string_view param = params.substr(0, amp);
      params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
      auto eq = param.find('=');
      std::string_view name = param.substr(0, eq), text = eq == std::string_view::npos ? "" : param.substr(eq + 1);
      if (name == "lock_timeout") {
        long long ms = -1;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
        if (ec != std::errc() || end != text.data() + text.size() || ms < 0 || ms > 2'147'483'647)
          throw bad_input_error("the json_dir URL's lock_timeout must be a number of milliseconds, not \"" +
                                std::string(text) + "\"");
        lock_timeout_ = std::chrono::milliseconds(ms);
      } else {
        throw bad_input_error("the json_dir URL has an unknown parameter \"" + std::string(name) +
                              "\" (known: lock_timeout)");
      }
    }
  }

  static std::string file_of(const value& key) {
    return detail::json_dir_impl::encode_file_name(detail::json_dir_impl::key_text(key));
  }

  /// A scope for operations that must be atomic even outside a user's transaction.
  class local_scope {
   public:
    explicit local_scope(json_dir& b) : b_(b), depth_(static_cast<unsigned>(b.layers_.size())) { b_.begin(depth_); }
    ~local_scope() {
      if (!done_) b_.rollback(depth_);
    }
    void commit() {
      done_ = true;
      b_.commit(depth_);
    }

   private:
    json_dir& b_;
    unsigned depth_;
    bool done_ = false;
  };
  local_scope local_transaction() { return local_scope(*this); }

  std::vector<detail::stored_column> read_schema(const detail::table_schema& s, const std::filesystem::path& p) {
    auto text = detail::json_dir_impl::read_file(p);
    std::vector<detail::stored_column> out;
    if (!text) return out;
    try {
      json doc = json::parse(*text);
      for (const auto& c : doc.at("columns")) {
        std::string kind = c.at("kind").get<std::string>();
        std::optional<column_kind> k;
        for (int i = 0; i <= static_cast<int>(column_kind::json); ++i)
          if (to_string(static_cast<column_kind>(i)) == kind) k = static_cast<column_kind>(i);
        if (!k) throw std::runtime_error("unknown column kind " + kind);
        out.push_back({c.at("name").get<std::string>(), *k, c.value("key", false)});
      }
    } catch (const std::exception& e) {
      throw corrupt_error("the table's schema file " + p.string() + " does not read",
                          detail::context_of(s, {}, e.what()));
    }
    return out;
  }

  /// Parses a record file, or throws corrupt_error naming the file and the line.
  json parse_file(const table_handle& h, const std::filesystem::path& p, const std::string& text) {
    try {
      json doc = json::parse(text);
      if (!doc.is_object()) throw std::runtime_error("the file holds no JSON object");
      return doc;
    } catch (const json::parse_error& e) {
      throw corrupt_error("file " + p.string() + " line " +
                              std::to_string(detail::json_dir_impl::line_of(text, e.byte > 0 ? e.byte - 1 : 0)) +
                              " does not parse",
                          detail::context_of(*h.schema, {}, e.what()));
    } catch (const std::exception& e) {
      throw corrupt_error("file " + p.string() + " line 1 is no record", detail::context_of(*h.schema, {}, e.what()));
    }
  }

  /// Brings the cache entry of one file up to date; false when the file does not exist.
  bool refresh_file(const table_handle& h, const std::string& file) {
    auto& t = *h.data;
    auto path = t.dir / (file + ".json");
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) detail::json_dir_impl::fail_io("cannot stat", path);
      t.files.erase(file);
      return false;
    }
    std::int64_t mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    auto it = t.files.find(file);
    if (it != t.files.end() && it->second.settled && it->second.inode == st.st_ino && it->second.mtime_ns == mtime &&
        it->second.size == st.st_size)
      return true;
    auto text = detail::json_dir_impl::read_file(path);
    if (!text) {
      t.files.erase(file);
      return false;
    }
    ++files_read_;
    // file times tick coarsely (a few ms): a file changed again within the same tick, with the
    // same size and a recycled inode, would look unchanged, so recent files are read each time
    constexpr std::int64_t settle_ns = 100'000'000;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    bool settled = mtime + settle_ns < static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
    file_entry e{st.st_ino, mtime, st.st_size, settled, parse_file(h, path, *text)};
    t.files[file] = std::move(e);
    return true;
  }

  /// The document of one record, pending writes of the transaction included.
  std::optional<json> load(const table_handle& h, const std::string& file) {
    for (auto layer = layers_.rbegin(); layer != layers_.rend(); ++layer) {
      auto it = layer->find({h.data, file});
      if (it != layer->end()) return it->second ? std::optional<json>(it->second->doc) : std::nullopt;
    }
    if (!refresh_file(h, file)) return std::nullopt;
    return h.data->files.at(file).doc;
  }

  /// The names (without ".json") of the table's record files on disk: those a key encodes to.
  /// Another .json file (Notes.json, %zz.json) is nobody's record: get cannot reach it, so
  /// queries, count and clear leave it alone too.
  static std::vector<std::string> record_files(const table_data& t) {
    std::vector<std::string> present;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(t.dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string n = it->path().filename().string();
      if (n.size() > 5 && n[0] != '.' && n.ends_with(".json")) {
        n.resize(n.size() - 5);
        if (detail::json_dir_impl::is_encoded_name(n)) present.push_back(std::move(n));
      }
    }
    if (ec) detail::json_dir_impl::fail_io("cannot list", t.dir, ec.value());
    return present;
  }

  /// Every record document of the table by file name, pending writes included.
  std::map<std::string, json> current_docs(const table_handle& h) {
    auto& t = *h.data;
    std::vector<std::string> present = record_files(t);
    std::map<std::string, json> docs;
    for (const auto& file : present)
      if (refresh_file(h, file)) docs.emplace(file, t.files.at(file).doc);
    // files deleted by others since the last look
    for (auto it = t.files.begin(); it != t.files.end();)
      it = docs.count(it->first) ? std::next(it) : t.files.erase(it);
    for (const auto& layer : layers_)
      for (const auto& [k, v] : layer) {
        if (k.first != h.data) continue;
        if (v)
          docs[k.second] = v->doc;
        else
          docs.erase(k.second);
      }
    return docs;
  }

  std::vector<value> row_of(const table_handle& h, const json& doc, const std::string& file) {
    const auto& s = *h.schema;
    std::vector<value> row(s.columns.size());
    auto key = detail::key_ref{
        [](const void* p, const void*) { return "in file " + *static_cast<const std::string*>(p) + ".json"; }, &file};
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
      auto it = doc.find(std::string(s.columns[i].name));
      // a field the file lacks (added to the record later) holds its default
      if (it == doc.end())
        row[i] = s.columns[i].default_value;
      else
        row[i] = detail::with_field_context(
            s, i, key, [&] { return detail::json_dir_impl::from_file(*it, s.columns[i].kind, s.columns[i].nullable); });
    }
    // a file renamed or edited by hand: get(key) would return a record with another key, and a
    // put of that key would write another file
    if (file_of(row[s.key]) != file) {
      std::string field(s.columns[s.key].name);
      auto it = doc.find(field);
      throw corrupt_error("file " + (h.data->dir / (file + ".json")).string() +
                              (it == doc.end() ? " has no key field '" + field + "'"
                                               : " holds the key " + it->dump() + " in field '" + field +
                                                     "', which belongs in file " + file_of(row[s.key]) + ".json"),
                          detail::context_of(s, key));
    }
    return row;
  }

  std::vector<std::vector<value>> all_rows(const table_handle& h) {
    std::vector<std::vector<value>> rows;
    for (const auto& [file, doc] : current_docs(h)) rows.push_back(row_of(h, doc, file));
    return rows;
  }

  void check_unique(const table_handle& h, const std::vector<value>& row, const std::string& file,
                    const detail::key_ref& key) {
    const auto& s = *h.schema;
    bool any = std::any_of(s.indexes.begin(), s.indexes.end(), [](auto& ix) { return ix.unique; });
    if (!any) return;
    auto docs = current_docs(h);
    for (const auto& ix : s.indexes) {
      if (!ix.unique) continue;
      if (std::any_of(ix.columns.begin(), ix.columns.end(), [&](std::size_t c) { return row[c].index() == 0; }))
        continue;  // NULLs never collide
      for (const auto& [other_file, doc] : docs) {
        if (other_file == file) continue;
        auto other = row_of(h, doc, other_file);
        bool same = std::all_of(ix.columns.begin(), ix.columns.end(), [&](std::size_t c) {
          return other[c].index() != 0 && detail::compare_values(other[c], row[c]) == 0;
        });
        if (same)
          throw constraint_error(
              "unique index " + ix.name + " already holds these values (file " + other_file + ".json)",
              detail::context_of(s, key));
      }
    }
  }

  /// Writes or deletes one record file: into the transaction when one is open, else at once.
  /// The caller holds the lock (exclusive()).
  void store(table_data& t, const std::string& file, std::optional<json> doc, std::string text = {}) {
    if (!layers_.empty()) {
      auto& slot = layers_.back()[{&t, file}];
      if (doc)
        slot = change{std::move(*doc), std::move(text)};
      else
        slot = std::nullopt;
      return;
    }
    auto path = t.dir / (file + ".json");
    if (doc)
      detail::json_dir_impl::write_atomic(path, text);
    else {
      detail::json_dir_impl::remove_file(path);
      detail::json_dir_impl::sync_dir(t.dir);
    }
    t.files.erase(file);  // the next read stats it again
  }

  /// One entry of the journal: a record file to write (its whole text) or to delete.
  struct journal_op {
    std::string table, file;  // names under the root, as encode_file_name makes them
    std::optional<std::string> content;
  };

  /// Commits a transaction's writes: journal first (the commit point), then the files.
  void apply_with_journal(pending& all) {
    namespace impl = detail::json_dir_impl;
    if (all.empty()) return;
    std::vector<journal_op> ops;
    ops.reserve(all.size());
    json journal = json::array();
    for (auto& [k, c] : all) {
      json op = {{"table", k.first->dir.filename().string()}, {"file", k.second}};
      op["content"] = c ? json(c->text) : json(nullptr);
      journal.push_back(std::move(op));
      ops.push_back({k.first->dir.filename().string(), k.second,
                     c ? std::optional<std::string>(std::move(c->text)) : std::nullopt});
    }
    impl::write_atomic(root_ / ".journal", journal.dump());
    journal = nullptr;
    replay(ops);
    for (const auto& [k, c] : all) k.first->files.erase(k.second);
  }

  /// Reads a journal left behind, checking all of it before anything is applied: it must be an
  /// array of {"table": name, "file": name, "content": the text of a JSON object, or null to
  /// delete}, where every name is one that encode_file_name makes, so that no entry reaches
  /// outside the root.
  std::vector<journal_op> read_journal(const std::filesystem::path& p, const std::string& text) {
    namespace impl = detail::json_dir_impl;
    auto corrupt = [&](const std::string& why, std::string detail = {}) {
      return corrupt_error("the journal " + p.string() + " " + why + "; nothing of it was applied",
                           error_context{{}, {}, {}, std::move(detail)});
    };
    json journal;
    try {
      journal = json::parse(text);
    } catch (const json::exception& e) {
      throw corrupt("does not parse", e.what());
    }
    if (!journal.is_array()) throw corrupt("holds no array of operations");
    std::vector<journal_op> ops;
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < journal.size(); ++i) {
      const json& op = journal[i];
      const std::string at = "entry " + std::to_string(i + 1);
      if (!op.is_object() || op.size() != 3 || !op.contains("table") || !op.contains("file") || !op.contains("content"))
        throw corrupt(at + " is not {\"table\", \"file\", \"content\"}", op.dump());
      const json &table = op["table"], &file = op["file"], &content = op["content"];
      if (!table.is_string() || !impl::is_encoded_name(table.get_ref<const std::string&>()))
        throw corrupt(at + " names no table directory a table name encodes to", table.dump());
      if (!file.is_string() || !impl::is_encoded_name(file.get_ref<const std::string&>()))
        throw corrupt(at + " names no record file a key encodes to", file.dump());
      journal_op out{table.get<std::string>(), file.get<std::string>(), std::nullopt};
      if (!seen.emplace(out.table, out.file).second) throw corrupt(at + " names a file twice", op.dump());
      if (content.is_string()) {
        // what a transaction writes is always a record: an object
        try {
          if (!json::parse(content.get_ref<const std::string&>()).is_object())
            throw corrupt(at + "'s content is no JSON object");
        } catch (const json::exception& e) {
          throw corrupt(at + "'s content does not parse", e.what());
        }
        out.content = content.get<std::string>();
      } else if (!content.is_null()) {
        throw corrupt(at + "'s content is neither a file's text nor null", content.dump());
      }
      ops.push_back(std::move(out));
    }
    return ops;
  }

  /// Applies a journal's operations, makes them durable, then removes the journal.
  void replay(const std::vector<journal_op>& ops) {
    namespace impl = detail::json_dir_impl;
    for (const auto& op : ops) {
      auto dir = root_ / op.table;
      auto path = dir / (op.file + ".json");
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (!op.content) {
        impl::remove_file(path);
        continue;
      }
      // flushed all at once by syncfs below, not one file at a time
      auto tmp = dir / (".tmp-" + path.filename().string() + "-" + std::to_string(::getpid()));
      {
        impl::fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        const auto& text = *op.content;
        if (f.get() < 0 || ::write(f.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
          int err = errno;
          ::unlink(tmp.c_str());
          impl::fail_io("cannot write", tmp, err);
        }
      }
      if (::rename(tmp.c_str(), path.c_str()) != 0) impl::fail_io("cannot rename into place", path);
    }
    impl::fd r(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (r.get() < 0 || ::syncfs(r.get()) != 0) impl::fail_io("cannot flush the store", root_);
    impl::remove_file(root_ / ".journal");
    impl::sync_dir(root_);
  }

  /// Takes the store's lock, unless this store's open transaction holds it already, and first
  /// finishes a committed transaction that a crashed writer left in the journal: every writer
  /// does so before it writes, so no write can be overtaken by an older journal.
  detail::json_dir_impl::file_lock exclusive() {
    if (tx_lock_.held()) return {};
    detail::json_dir_impl::file_lock lock(root_ / ".lock", lock_timeout_);
    recover_journal();
    return lock;
  }

  void recover_journal() {
    auto path = root_ / ".journal";
    if (auto text = detail::json_dir_impl::read_file(path)) {
      replay(read_journal(path, *text));
      for (auto& [name, t] : tables_) t->files.clear();
    }
  }

  /// Runs at open, under the lock: removes temporary files of interrupted writes.
  void remove_temporaries() {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      if (it->path().filename().string().starts_with(".tmp-")) std::filesystem::remove(it->path(), ec);
  }

  std::filesystem::path root_;
  std::map<std::string, std::unique_ptr<table_data>> tables_;
  std::vector<pending> layers_;  // one per open transaction level
  detail::json_dir_impl::file_lock tx_lock_;
  std::chrono::milliseconds lock_timeout_{5000};
  std::uint64_t files_read_ = 0;
};

}  // namespace stowage
