// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail::json_dir_impl {

[[noreturn]] STOWAGE_INLINE void fail_io(std::string_view what, const fs::path& p, int err) {
  error_kind kind = err == ENAMETOOLONG ? error_kind::bad_input
                    : err == ENOENT || err == EACCES || err == EPERM || err == ENOSPC || err == EROFS || err == EIO ||
                            err == EDQUOT || err == EMFILE || err == ENFILE || err == EISDIR || err == ENOTDIR ||
                            err == ELOOP
                        ? error_kind::unavailable
                        : error_kind::internal;
  throw_error(kind, std::string(what) + " " + p.string(), error_context{{}, {}, {}, std::strerror(err)});
}

// Calls try_lock() until it succeeds (true) or the deadline passes (false), with pauses growing
// from 1 to 16 ms; try_lock returns false while another holds the lock, and fails on an error.
template <class TryLock>
bool poll_lock(TryLock&& try_lock, std::chrono::steady_clock::time_point deadline) {
  auto pause = std::chrono::milliseconds(1);
  while (!try_lock()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(16));
  }
  return true;
}

STOWAGE_INLINE file_lock::file_lock(const fs::path& p, std::chrono::milliseconds timeout)
    : f_(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
  if (f_.get() < 0) fail_io("cannot open the lock file", p);
  const int f = f_.get();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // A writer that releases the lock and takes it again at once (one transaction after another)
  // would nearly always beat one that polls for it, for longer than any timeout. So a writer
  // waits for the lock holding its turn, a record lock on the file's first byte (independent of
  // flock on Linux): one that comes back queues behind it, and the writers take turns.
#ifdef F_OFD_SETLK
  struct ::flock turn {};
  turn.l_whence = SEEK_SET;
  turn.l_len = 1;
  auto set_turn = [&](short type) {
    turn.l_type = type;
    while (::fcntl(f, F_OFD_SETLK, &turn) != 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EACCES) return false;
      fail_io("cannot lock", p);
    }
    return true;
  };
  const bool my_turn = poll_lock([&] { return set_turn(F_WRLCK); }, deadline);
#else
  const bool my_turn = true;
#endif
  const bool locked = my_turn && poll_lock(
                                     [&] {
                                       while (::flock(f, LOCK_EX | LOCK_NB) != 0) {
                                         if (errno == EINTR) continue;
                                         if (errno == EWOULDBLOCK) return false;
                                         fail_io("cannot lock", p);
                                       }
                                       return true;
                                     },
                                     deadline);
#ifdef F_OFD_SETLK
  if (my_turn) set_turn(F_UNLCK);  // the next writer in line may wait for the lock
#endif
  if (!locked)
    throw unavailable_error("the lock file " + p.string() + " stayed locked by another writer for " +
                                std::to_string(timeout.count()) + " ms (the json_dir URL's lock_timeout)",
                            error_context{{}, {}, {}, std::strerror(EWOULDBLOCK)});
}

STOWAGE_INLINE void sync_dir(const fs::path& dir) {
  fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0 || ::fsync(d.get()) != 0) fail_io("cannot flush the directory", dir);
}

STOWAGE_INLINE void write_atomic(const fs::path& p, std::string_view content) {
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

STOWAGE_INLINE std::string read_rest(int f, std::size_t size_hint, const char* p) {
  std::string out(size_hint + 1, '\0');  // one byte more, so the first read can meet the end
  std::size_t done = 0;
  for (;;) {
    if (done == out.size()) out.resize(out.size() * 2 + 4096);
    ssize_t n = ::read(f, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_io("cannot read", p);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

STOWAGE_INLINE std::optional<std::string> read_file(const fs::path& p) {
  fd f(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail_io("cannot open", p);
  }
  return read_rest(f.get(), 0, p.c_str());
}

STOWAGE_INLINE std::vector<std::string> list_dir(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) fail_io("cannot list", dir);
  std::vector<std::string> out;
  for (;;) {
    errno = 0;
    const dirent* ent = ::readdir(d.get());
    if (!ent) {
      if (errno != 0) fail_io("cannot list", dir);
      return out;
    }
    if (ent->d_name[0] != '.') out.emplace_back(ent->d_name);
  }
}

STOWAGE_INLINE void append_json_string(std::string& out, std::string_view s) {
  // how many bytes each byte adds when escaped: a rendered record holds many (its line breaks,
  // the quotes of its strings), so the output is sized once and written through a pointer
  static constexpr auto extra = [] {
    std::array<unsigned char, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = 5;  // \u00xx
    for (unsigned char c : {'"', '\\', '\b', '\f', '\n', '\r', '\t'}) t[c] = 1;
    return t;
  }();
  static constexpr char hex[] = "0123456789abcdef";
  std::size_t size = s.size() + 2;
  for (char c : s) size += extra[static_cast<unsigned char>(c)];
  const std::size_t at = out.size();
  out.resize(at + size);
  char* p = out.data() + at;
  *p++ = '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (extra[c] == 0) {
      *p++ = ch;
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"': *p++ = '"'; break;
      case '\\': *p++ = '\\'; break;
      case '\b': *p++ = 'b'; break;
      case '\f': *p++ = 'f'; break;
      case '\n': *p++ = 'n'; break;
      case '\r': *p++ = 'r'; break;
      case '\t': *p++ = 't'; break;
      default:
        *p++ = 'u';
        *p++ = '0';
        *p++ = '0';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 15];
    }
  }
  *p = '"';
}

STOWAGE_INLINE void remove_file(const fs::path& p) {
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) fail_io("cannot delete", p);
}

STOWAGE_INLINE std::string encode_file_name(std::string_view key) {
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

STOWAGE_INLINE std::optional<std::string> decode_file_name(std::string_view name) {
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

STOWAGE_INLINE bool is_encoded_name(std::string_view name) {
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

STOWAGE_INLINE std::string key_text(const value& v) {
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

STOWAGE_INLINE nlohmann::json to_file(const value& v, column_kind k) {
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

STOWAGE_INLINE value from_file(const nlohmann::json& j, column_kind k, bool nullable) {
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

STOWAGE_INLINE std::string render(const nlohmann::json& doc) {
  try {
    return doc.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    throw codec_failure{error_kind::bad_input, std::string("the record cannot be written as JSON: ") + e.what()};
  }
}

STOWAGE_INLINE std::size_t line_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 +
         static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace stowage::detail::json_dir_impl
namespace stowage {

/// A record file as last read: how to tell it changed, its content, and the row decoded from
/// it (decoded once, when first asked for, and valid exactly as long as the document is).
struct json_dir::file_entry {
  ino_t inode = 0;
  std::int64_t mtime_ns = 0;
  off_t size = 0;
  // modified well before it was read: a later change cannot share its size and timestamp
  bool settled = false;
  json doc;
  const detail::table_schema* row_schema = nullptr;  // the schema row was decoded for, if any
  std::vector<value> row;
  std::uint64_t seen = 0;  // the last listing of the directory that found the file
};

struct json_dir::table_data {
  std::string name;
  std::filesystem::path dir;
  std::string dir_slash;  // dir and a '/', to build file paths by appending
  std::vector<detail::stored_column> columns;
  std::unordered_map<std::string, file_entry> files;  // by file name without ".json"
  std::uint64_t listings = 0;
};

/// A record file a transaction writes: its document and the text rendered from it.
struct json_dir::change {
  json doc;
  std::string text;
};

/// Every record of a table, pending writes included, in the order of the file names: rows
/// point into the cache (valid until the next read or write of the table), or into owned for
/// the rows of pending writes.
struct json_dir::row_set {
  std::vector<const std::vector<value>*> rows;
  std::vector<std::string> files;  // rows[i] is in files[i]
  std::deque<std::vector<value>> owned;
};

/// One entry of the journal: a record file to write (its whole text) or to delete.
struct json_dir::journal_op {
  std::string table, file;  // names under the root, as encode_file_name makes them
  std::optional<std::string> content;
};

struct json_dir::state {
  std::filesystem::path root;
  std::map<std::string, std::unique_ptr<table_data>> tables;
  std::vector<pending> layers;  // one per open transaction level
  detail::json_dir_impl::file_lock tx_lock;
  std::chrono::milliseconds lock_timeout{5000};
  std::uint64_t files_read = 0;
};

STOWAGE_INLINE json_dir::json_dir(std::string_view url) : s_(std::make_unique<state>()) {
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
  s_->root = p;
  std::error_code ec;
  std::filesystem::create_directories(s_->root, ec);
  if (ec || !std::filesystem::is_directory(s_->root, ec))
    throw_error(ec.value() == ENAMETOOLONG ? error_kind::bad_input : error_kind::unavailable,
                "cannot create the json_dir store \"" + p + "\"",
                error_context{{}, {}, {}, ec ? ec.message() : "not a directory"});
  auto lock = exclusive();
  remove_temporaries();
}

STOWAGE_INLINE auto json_dir::open_table(const detail::table_schema& s) -> table_handle {
  namespace impl = detail::json_dir_impl;
  auto& t = s_->tables[std::string(s.table)];
  if (!t) {
    t = std::make_unique<table_data>();
    t->name = std::string(s.table);
    t->dir = s_->root / impl::encode_file_name(s.table);
    t->dir_slash = t->dir.string() + "/";
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

STOWAGE_INLINE write_result json_dir::write(table_handle& h, const void* record, write_mode mode) {
  return write_record(h, record, mode, nullptr);
}

STOWAGE_INLINE void json_dir::put_many(table_handle& h, std::span<const void* const> records) {
  auto tx = local_transaction();
  // Each record's file is looked for on disk (its fields the record does not know are kept): a
  // new key costs a failed open. One listing of the directory, taken under the lock so that no
  // writer changes it meanwhile, answers for every record at once when it is the cheaper: a
  // directory's size in bytes grows with its entries (about 20 bytes each on ext4, tmpfs, btrfs,
  // XFS), and reading an entry costs a small fraction of a failed open.
  std::vector<std::string> listed;
  const std::vector<std::string>* on_disk = nullptr;
  struct stat st;
  if (::stat(h.data->dir.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) <= 128 * records.size()) {
    listed = detail::json_dir_impl::list_dir(h.data->dir.string());
    std::erase_if(listed, [](std::string& n) {
      if (!n.ends_with(".json")) return true;
      n.resize(n.size() - 5);
      return false;
    });
    std::sort(listed.begin(), listed.end());
    on_disk = &listed;
  }
  for (const void* r : records) write_record(h, r, write_mode::upsert, on_disk);
  tx.commit();
}

STOWAGE_INLINE write_result json_dir::write_record(table_handle& h, const void* record, write_mode mode,
                                                   const std::vector<std::string>* on_disk) {
  namespace impl = detail::json_dir_impl;
  const auto& s = *h.schema;
  std::vector<value> row = detail::encode_row(s, record);
  std::string file = file_of(row[s.key]);
  // the existence and uniqueness checks and the write happen under one lock, so another
  // process cannot insert the same key in between
  auto lock = exclusive();
  auto key = detail::key_of_record(s, record);
  std::optional<json> existing;
  const bool absent =
      on_disk && !std::binary_search(on_disk->begin(), on_disk->end(), file) && !pending_of(h.data, file);
  try {
    if (const json* doc = absent ? nullptr : load(h, file)) existing = *doc;
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

STOWAGE_INLINE bool json_dir::get(table_handle& h, const detail::cell& key, void* out) {
  std::string file = file_of(detail::to_value(key));
  std::vector<value> scratch;
  const std::vector<value>* row = find_row(h, file, scratch);
  if (!row) return false;
  detail::decode_row(*h.schema, *row, out);
  return true;
}

STOWAGE_INLINE bool json_dir::erase(table_handle& h, const detail::cell& key) {
  std::string file = file_of(detail::to_value(key));
  auto lock = exclusive();
  if (!load(h, file)) return false;
  store(*h.data, file, std::nullopt);
  return true;
}

STOWAGE_INLINE auto json_dir::select(table_handle& h, const detail::query_spec& query) -> cursor {
  detail::query_spec scratch;
  const auto& q = resolved(query, scratch);
  auto all = all_rows(h);
  std::vector<std::vector<value>> out;
  // copies (of a projection's fields only): the cached rows may change while the loop runs
  for (const auto* r : detail::select_rows(
           all.rows, q, [](const std::vector<value>& v) -> const auto& { return v; })) {
    if (q.columns.empty()) {
      out.push_back(*r);
      continue;
    }
    auto& row = out.emplace_back();
    row.reserve(q.columns.size());
    for (std::size_t f : q.columns) row.push_back((*r)[f]);
  }
  return cursor(*h.schema, std::move(out), q.columns);
}

STOWAGE_INLINE std::uint64_t json_dir::count(table_handle& h, const detail::query_spec& query) {
  detail::query_spec scratch;
  const auto& q = resolved(query, scratch);
  auto all = all_rows(h);
  return detail::select_rows(
             all.rows, q, [](const std::vector<value>& v) -> const auto& { return v; })
      .size();
}

STOWAGE_INLINE std::vector<detail::group_count> json_dir::count_groups(table_handle& h, const detail::query_spec& query,
                                                                       std::size_t field) {
  detail::query_spec scratch;
  const auto& q = resolved(query, scratch);
  auto all = all_rows(h);
  std::vector<value> values;
  for (std::size_t i : chosen_rows(all, q)) values.push_back((*all.rows[i])[field]);
  return detail::count_values(std::move(values));
}

STOWAGE_INLINE std::uint64_t json_dir::erase_where(table_handle& h, const detail::query_spec& query) {
  auto tx = local_transaction();
  detail::query_spec scratch;
  const auto& q = resolved(query, scratch);
  auto all = all_rows(h);
  const auto chosen = chosen_rows(all, q);
  for (std::size_t i : chosen) store(*h.data, all.files[i], std::nullopt);
  tx.commit();
  return chosen.size();
}

STOWAGE_INLINE std::uint64_t json_dir::update_where(table_handle& h, const detail::query_spec& query,
                                                    std::span<const detail::field_change> changes) {
  namespace impl = detail::json_dir_impl;
  const auto& s = *h.schema;
  // a value no file can hold (text that is not UTF-8) is refused whether or not a record is
  // selected, as the SQL backends refuse the statement
  for (const auto& c : changes) {
    try {
      (void)impl::render(impl::to_file(c.to, s.columns[c.field].kind));
    } catch (const detail::codec_failure& f) {
      throw_error(f.kind, f.message, detail::context_of(s));
    }
  }
  auto tx = local_transaction();
  detail::query_spec scratch;
  const auto& q = resolved(query, scratch);
  std::vector<std::string> files;
  {
    auto all = all_rows(h);
    const auto chosen = chosen_rows(all, q);
    // every changed row is checked before any is written
    std::vector<std::vector<value>> changed;
    changed.reserve(chosen.size());
    for (std::size_t i : chosen) {
      auto& row = changed.emplace_back(*all.rows[i]);
      for (const auto& c : changes) row[c.field] = c.to;
    }
    check_unique_after(h, all, chosen, changed, changes);
    for (std::size_t i : chosen) files.push_back(all.files[i]);
  }
  for (const auto& file : files) {
    const json* existing = load(h, file);
    json doc = existing && existing->is_object() ? *existing : json::object();
    for (const auto& c : changes)
      doc[std::string(s.columns[c.field].name)] = impl::to_file(c.to, s.columns[c.field].kind);
    std::string text;
    try {
      text = impl::render(doc);
    } catch (const detail::codec_failure& f) {
      throw_error(f.kind, f.message, detail::context_of(s));
    }
    store(*h.data, file, std::move(doc), std::move(text));
  }
  tx.commit();
  return files.size();
}

STOWAGE_INLINE std::vector<value> json_dir::sub_query_values(void* self, const detail::sub_query& q) {
  auto& b = *static_cast<json_dir*>(self);
  detail::query_spec spec;
  spec.filter = q.filter;
  detail::query_spec scratch;
  const auto& chosen = b.resolved(spec, scratch);
  auto all = b.all_rows(*static_cast<const table_handle*>(q.handle));
  std::vector<value> out;
  for (std::size_t i : chosen_rows(all, chosen)) out.push_back((*all.rows[i])[q.column]);
  return out;
}

STOWAGE_INLINE const detail::query_spec& json_dir::resolved(const detail::query_spec& q, detail::query_spec& scratch) {
  return detail::sub_queries_resolved(q, scratch, this, this, &sub_query_values);
}

STOWAGE_INLINE std::vector<std::size_t> json_dir::chosen_rows(const row_set& all, const detail::query_spec& q) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < all.rows.size(); ++i)
    if (!q.filter || detail::evaluate(*q.filter, *all.rows[i]) == detail::truth::yes) out.push_back(i);
  return out;
}

STOWAGE_INLINE void json_dir::check_unique_after(const table_handle& h, const row_set& all,
                                                 const std::vector<std::size_t>& chosen,
                                                 const std::vector<std::vector<value>>& changed,
                                                 std::span<const detail::field_change> changes) {
  const auto& s = *h.schema;
  std::vector<const std::vector<value>*> rows(all.rows.begin(), all.rows.end());
  std::vector<bool> is_changed(rows.size());
  for (std::size_t k = 0; k < chosen.size(); ++k) {
    rows[chosen[k]] = &changed[k];
    is_changed[chosen[k]] = true;
  }
  for (const auto& ix : s.indexes) {
    // an index none of whose fields changes keeps the values it had
    if (!ix.unique || std::none_of(ix.columns.begin(), ix.columns.end(), [&](std::size_t c) {
          return std::any_of(changes.begin(), changes.end(), [&](const auto& ch) { return ch.field == c; });
        }))
      continue;
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (std::none_of(ix.columns.begin(), ix.columns.end(), [&](std::size_t c) { return (*rows[i])[c].index() == 0; }))
        order.push_back(i);  // NULLs never collide
    auto less = [&](std::size_t a, std::size_t b) {
      for (std::size_t c : ix.columns)
        if (auto o = detail::compare_values((*rows[a])[c], (*rows[b])[c]); o != 0) return o < 0;
      return false;
    };
    std::sort(order.begin(), order.end(), less);
    // a run of equal values that holds a changed row has one next to another row
    for (std::size_t j = 1; j < order.size(); ++j) {
      std::size_t a = order[j - 1], b = order[j];
      if (less(a, b) || (!is_changed[a] && !is_changed[b])) continue;
      if (!is_changed[b]) std::swap(a, b);
      throw constraint_error("unique index " + ix.name + " already holds these values (file " + all.files[a] + ".json)",
                             detail::context_of(s, detail::key_of_value((*rows[b])[s.key])));
    }
  }
}

STOWAGE_INLINE void json_dir::clear(table_handle& h) {
  auto tx = local_transaction();
  for (const auto& file : record_files(*h.data)) store(*h.data, file, std::nullopt);
  // records the open transaction wrote and the files do not show yet
  std::vector<std::string> written;
  for (const auto& layer : s_->layers)
    for (const auto& [k, c] : layer)
      if (k.first == h.data && c) written.push_back(k.second);
  for (const auto& file : written) store(*h.data, file, std::nullopt);
  tx.commit();
}

STOWAGE_INLINE void json_dir::begin(unsigned depth) {
  if (depth == 0) s_->tx_lock = exclusive();
  s_->layers.resize(depth + 1);
}

STOWAGE_INLINE void json_dir::commit(unsigned depth) {
  if (depth > 0) {
    for (auto& [k, v] : s_->layers[depth]) s_->layers[depth - 1][k] = std::move(v);
    s_->layers.resize(depth);
    return;
  }
  pending all = std::move(s_->layers[0]);
  s_->layers.clear();
  try {
    apply_with_journal(all);
  } catch (...) {
    s_->tx_lock = {};
    throw;
  }
  s_->tx_lock = {};
}

STOWAGE_INLINE void json_dir::rollback(unsigned depth) {
  s_->layers.resize(depth);
  if (depth == 0) s_->tx_lock = {};
}

STOWAGE_INLINE void json_dir::read_parameters(std::string_view params) {
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
      s_->lock_timeout = std::chrono::milliseconds(ms);
    } else {
      throw bad_input_error("the json_dir URL has an unknown parameter \"" + std::string(name) +
                            "\" (known: lock_timeout)");
    }
  }
}

STOWAGE_INLINE std::string json_dir::file_of(const value& key) {
  return detail::json_dir_impl::encode_file_name(detail::json_dir_impl::key_text(key));
}

STOWAGE_INLINE const std::filesystem::path& json_dir::root() const noexcept { return s_->root; }

STOWAGE_INLINE std::uint64_t json_dir::files_read() const noexcept { return s_->files_read; }

STOWAGE_INLINE std::filesystem::path json_dir::file_of_key(const table_handle& h, const detail::cell& key) const {
  return h.data->dir / (file_of(detail::to_value(key)) + ".json");
}

STOWAGE_INLINE json_dir::local_scope::local_scope(json_dir& b)
    : b_(b), depth_(static_cast<unsigned>(b.s_->layers.size())) {
  b_.begin(depth_);
}

STOWAGE_INLINE json_dir::~json_dir() = default;

STOWAGE_INLINE void json_dir::store(table_data& t, const std::string& file, std::optional<json> doc, std::string text) {
  if (!s_->layers.empty()) {
    auto& slot = s_->layers.back()[{&t, file}];
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

STOWAGE_INLINE json_dir::local_scope::~local_scope() {
  if (!done_) b_.rollback(depth_);
}

STOWAGE_INLINE void json_dir::local_scope::commit() {
  done_ = true;
  b_.commit(depth_);
}

STOWAGE_INLINE auto json_dir::local_transaction() -> local_scope { return local_scope(*this); }

STOWAGE_INLINE std::vector<detail::stored_column> json_dir::read_schema(const detail::table_schema& s,
                                                                        const std::filesystem::path& p) {
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

STOWAGE_INLINE auto json_dir::parse_file(const table_handle& h, const std::filesystem::path& p, const std::string& text)
    -> json {
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

STOWAGE_INLINE auto json_dir::pending_of(const table_data* t, const std::string& file) const
    -> const std::optional<change>* {
  for (auto layer = s_->layers.rbegin(); layer != s_->layers.rend(); ++layer) {
    auto it = layer->find({const_cast<table_data*>(t), file});
    if (it != layer->end()) return &it->second;
  }
  return nullptr;
}

STOWAGE_INLINE auto json_dir::load(const table_handle& h, const std::string& file) -> const json* {
  if (!s_->layers.empty())
    if (const auto* p = pending_of(h.data, file)) return *p ? &(*p)->doc : nullptr;
  file_entry* e = refresh_file(h, file);
  return e ? &e->doc : nullptr;
}

STOWAGE_INLINE const std::vector<value>& json_dir::cached_row(const table_handle& h, file_entry& e,
                                                              const std::string& file) {
  if (e.row_schema != h.schema) {
    e.row = row_of(h, e.doc, file);
    e.row_schema = h.schema;
  }
  return e.row;
}

STOWAGE_INLINE const std::vector<value>* json_dir::find_row(const table_handle& h, const std::string& file,
                                                            std::vector<value>& scratch) {
  if (!s_->layers.empty())
    if (const auto* p = pending_of(h.data, file)) {
      if (!*p) return nullptr;
      scratch = row_of(h, (*p)->doc, file);
      return &scratch;
    }
  file_entry* e = refresh_file(h, file);
  return e ? &cached_row(h, *e, file) : nullptr;
}

STOWAGE_INLINE auto json_dir::all_rows(const table_handle& h) -> row_set {
  auto& t = *h.data;
  std::vector<std::string> present = record_files(t);
  const std::uint64_t listing = ++t.listings;
  std::vector<std::pair<std::string, const std::vector<value>*>> found;
  found.reserve(present.size());
  // a file a transaction writes or deletes is read from the transaction, not from disk
  std::map<std::string_view, const std::optional<change>*> pending;
  for (const auto& layer : s_->layers)
    for (const auto& [k, v] : layer)
      if (k.first == h.data) pending[k.second] = &v;
  row_set out;
  for (auto& file : present) {
    if (pending.count(file)) continue;
    if (file_entry* e = refresh_file(h, file)) {
      e->seen = listing;
      const auto* row = &cached_row(h, *e, file);
      found.emplace_back(std::move(file), row);
    }
  }
  // files deleted by others since the last look
  std::erase_if(t.files, [&](const auto& f) { return f.second.seen != listing; });
  for (const auto& [file, slot] : pending)
    if (*slot)
      found.emplace_back(std::string(file), &out.owned.emplace_back(row_of(h, (**slot).doc, std::string(file))));
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out.rows.reserve(found.size());
  out.files.reserve(found.size());
  for (auto& [file, row] : found) {
    out.rows.push_back(row);
    out.files.push_back(std::move(file));
  }
  return out;
}

STOWAGE_INLINE std::vector<value> json_dir::row_of(const table_handle& h, const json& doc, const std::string& file) {
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

STOWAGE_INLINE void json_dir::check_unique(const table_handle& h, const std::vector<value>& row,
                                           const std::string& file, const detail::key_ref& key) {
  const auto& s = *h.schema;
  bool any = std::any_of(s.indexes.begin(), s.indexes.end(), [](auto& ix) { return ix.unique; });
  if (!any) return;
  auto all = all_rows(h);
  for (const auto& ix : s.indexes) {
    if (!ix.unique) continue;
    if (std::any_of(ix.columns.begin(), ix.columns.end(), [&](std::size_t c) { return row[c].index() == 0; }))
      continue;  // NULLs never collide
    for (std::size_t i = 0; i < all.rows.size(); ++i) {
      if (all.files[i] == file) continue;
      const auto& other = *all.rows[i];
      bool same = std::all_of(ix.columns.begin(), ix.columns.end(), [&](std::size_t c) {
        return other[c].index() != 0 && detail::compare_values(other[c], row[c]) == 0;
      });
      if (same)
        throw constraint_error(
            "unique index " + ix.name + " already holds these values (file " + all.files[i] + ".json)",
            detail::context_of(s, key));
    }
  }
}

STOWAGE_INLINE void json_dir::apply_with_journal(pending& all) {
  namespace impl = detail::json_dir_impl;
  if (all.empty()) return;
  std::vector<journal_op> ops;
  ops.reserve(all.size());
  // the text nlohmann's dump() makes of [{"content": text or null, "file": name, "table":
  // name}, ...], written directly: no JSON value holding a copy of every file's text
  std::size_t bytes = 2;
  for (const auto& [k, c] : all) bytes += (c ? c->text.size() * 5 / 4 : 4) + k.second.size() + 64;
  std::string journal;
  journal.reserve(bytes);
  journal += '[';
  for (auto& [k, c] : all) {
    const std::string table = k.first->dir.filename().string();
    if (journal.size() > 1) journal += ',';
    journal += "{\"content\":";
    if (c)
      impl::append_json_string(journal, c->text);
    else
      journal += "null";
    journal += ",\"file\":";
    impl::append_json_string(journal, k.second);
    journal += ",\"table\":";
    impl::append_json_string(journal, table);
    journal += '}';
    ops.push_back({table, k.second, c ? std::optional<std::string>(std::move(c->text)) : std::nullopt});
  }
  journal += ']';
  impl::write_atomic(s_->root / ".journal", journal);
  journal = {};
  replay(ops);
  for (const auto& [k, c] : all) k.first->files.erase(k.second);
}

STOWAGE_INLINE auto json_dir::read_journal(const std::filesystem::path& p, const std::string& text)
    -> std::vector<journal_op> {
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

STOWAGE_INLINE void json_dir::replay(const std::vector<journal_op>& ops) {
  namespace impl = detail::json_dir_impl;
  // files are named relative to their table's directory, opened once for a run of operations
  // on one table: no path built and walked per file
  const std::string* table = nullptr;
  std::string dir_slash;
  impl::fd dir;
  const std::string tmp_end = ".json-" + std::to_string(::getpid());
  for (const auto& op : ops) {
    if (!table || *table != op.table) {
      dir_slash = (s_->root / op.table).string() + "/";
      std::error_code ec;
      std::filesystem::create_directories(dir_slash, ec);
      dir = impl::fd(::open(dir_slash.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (dir.get() < 0) impl::fail_io("cannot open the directory", dir_slash);
      table = &op.table;
    }
    const std::string name = op.file + ".json";
    if (!op.content) {
      if (::unlinkat(dir.get(), name.c_str(), 0) != 0 && errno != ENOENT)
        impl::fail_io("cannot delete", dir_slash + name);
      continue;
    }
    // flushed all at once by syncfs below, not one file at a time
    const std::string tmp = ".tmp-" + op.file + tmp_end;
    {
      impl::fd f(::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      const auto& text = *op.content;
      if (f.get() < 0 || ::write(f.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        int err = errno;
        ::unlinkat(dir.get(), tmp.c_str(), 0);
        impl::fail_io("cannot write", dir_slash + tmp, err);
      }
    }
    if (::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0)
      impl::fail_io("cannot rename into place", dir_slash + name);
  }
  impl::fd r(::open(s_->root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (r.get() < 0 || ::syncfs(r.get()) != 0) impl::fail_io("cannot flush the store", s_->root);
  impl::remove_file(s_->root / ".journal");
  impl::sync_dir(s_->root);
}

STOWAGE_INLINE auto json_dir::exclusive() -> detail::json_dir_impl::file_lock {
  if (s_->tx_lock.held()) return {};
  detail::json_dir_impl::file_lock lock(s_->root / ".lock", s_->lock_timeout);
  recover_journal();
  return lock;
}

STOWAGE_INLINE void json_dir::recover_journal() {
  auto path = s_->root / ".journal";
  if (auto text = detail::json_dir_impl::read_file(path)) {
    replay(read_journal(path, *text));
    for (auto& [name, t] : s_->tables) t->files.clear();
  }
}

STOWAGE_INLINE void json_dir::remove_temporaries() {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(s_->root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->path().filename().string().starts_with(".tmp-")) std::filesystem::remove(it->path(), ec);
}

STOWAGE_INLINE auto json_dir::refresh_file(const table_handle& h, const std::string& file) -> file_entry* {
  namespace impl = detail::json_dir_impl;
  auto& t = *h.data;
  const std::string path = t.dir_slash + file + ".json";
  auto it = t.files.find(file);
  struct stat st;
  if (it != t.files.end()) {
    if (::stat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) impl::fail_io("cannot stat", path);
      t.files.erase(it);
      return nullptr;
    }
    const file_entry& e = it->second;
    if (e.settled && e.inode == st.st_ino && e.mtime_ns == mtime_of(st) && e.size == st.st_size) return &it->second;
  }
  impl::fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.get() < 0) {
    if (errno != ENOENT) impl::fail_io("cannot open", path);
    if (it != t.files.end()) t.files.erase(it);
    return nullptr;
  }
  if (::fstat(f.get(), &st) != 0) impl::fail_io("cannot stat", path);
  std::string text = impl::read_rest(f.get(), static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)), path.c_str());
  ++s_->files_read;
  json doc = parse_file(h, path, text);
  constexpr std::int64_t settle_ns = 100'000'000;
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const std::int64_t mtime = mtime_of(st);
  bool settled = mtime + settle_ns < static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  if (it == t.files.end()) it = t.files.try_emplace(file).first;
  it->second = file_entry{st.st_ino, mtime, st.st_size, settled, std::move(doc), nullptr, {}, 0};
  return &it->second;
}

STOWAGE_INLINE std::int64_t json_dir::mtime_of(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

STOWAGE_INLINE std::vector<std::string> json_dir::record_files(const table_data& t) {
  std::vector<std::string> present = detail::json_dir_impl::list_dir(t.dir.string());
  std::erase_if(present, [&](std::string& n) {
    if (n.size() <= 5 || !n.ends_with(".json")) return true;
    n.resize(n.size() - 5);
    return !t.files.count(n) && !detail::json_dir_impl::is_encoded_name(n);
  });
  return present;
}
}  // namespace stowage
