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
//   (so two databases on one directory in one thread fail instead of hanging), in turn (a
//   record lock on the lock file's first byte is the queue), so that a writer running one
//   transaction after another cannot keep the others out; readers never
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

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <stowage/backend/concepts.hpp>
#include <stowage/backend/schema_diff.hpp>
#include <stowage/detail/config.hpp>
#include <stowage/detail/iso_time.hpp>
#include <stowage/query/evaluate.hpp>

namespace stowage {
namespace detail::json_dir_impl {

namespace fs = std::filesystem;

/// A path too long for the system comes of the name the user chose; a file system that is
/// full, forbidden or laid out otherwise than a store (a directory where a file belongs, a
/// file where a directory belongs, a loop of links) is unavailable; other failures are bugs.
[[noreturn]] void fail_io(std::string_view what, const fs::path& p, int err = errno);

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

void sync_dir(const fs::path& dir);

/// Replaces p's content atomically: temporary file, flush, rename, flush the directory.
void write_atomic(const fs::path& p, std::string_view content);

/// The rest of an open file, read straight into the string; size_hint (what fstat said) sizes it
/// once, and a file that grew meanwhile is read to its end all the same.
std::string read_rest(int f, std::size_t size_hint, const char* p);

std::optional<std::string> read_file(const fs::path& p);

/// The names in a directory (those starting with a dot left out), through readdir: no path
/// object per entry.
std::vector<std::string> list_dir(const std::string& dir);

/// Appends s as a JSON string, escaped as nlohmann's dump() escapes valid UTF-8, which a
/// rendered record always is: the journal is written without building a JSON value of it.
void append_json_string(std::string& out, std::string_view s);

void remove_file(const fs::path& p);

/// An exclusive flock() on a file, released when it goes.
class file_lock {
 public:
  file_lock() = default;
  /// Waits at most timeout for the lock, in turn with the other writers (an OFD record lock on
  /// the file's first byte is the queue).
  /// flock() has no timed wait, so it polls, with pauses growing from 1 to 16 ms: a lock is
  /// held for one write or one transaction.
  file_lock(const fs::path& p, std::chrono::milliseconds timeout);
  bool held() const noexcept { return f_.get() >= 0; }

 private:
  fd f_;
};

/// Key text to a file name: [a-z0-9_-] and inner dots stay, an upper-case letter becomes ^ and
/// the letter in lower case ("Readme" is "^readme"), and every other byte becomes %xx (lower-case
/// hex). So names never clash on a case-insensitive file system, never start with a dot and never
/// hold a separator. The empty key is "%". Names longer than 180 bytes keep a prefix and end in
/// "~" and a hash; the file holds the full key either way.
std::string encode_file_name(std::string_view key);

/// The key a file name encodes, or nullopt for a hashed (long-key) or foreign name.
std::optional<std::string> decode_file_name(std::string_view name);

/// Whether a name is one that encode_file_name produces: the only table and file names a
/// journal may hold. Such a name has no separator, does not start with a dot and is not empty.
bool is_encoded_name(std::string_view name);

std::string key_text(const value& v);

/// A stored value as it appears in a record file: JSON columns embedded as JSON, timestamps in
/// ISO 8601, blobs in base64, non-finite reals as strings.
nlohmann::json to_file(const value& v, column_kind k);

value from_file(const nlohmann::json& j, column_kind k, bool nullable);

/// Renders a document as stowage writes it: keys sorted, two-space indent, final newline.
std::string render(const nlohmann::json& doc);

/// The 1-based line of a byte offset in text.
std::size_t line_of(std::string_view text, std::size_t offset);

}  // namespace detail::json_dir_impl

class json_dir {
  using json = nlohmann::json;

 public:
  static constexpr std::string_view name = "json_dir";
  static constexpr bool streams = false;

  explicit json_dir(std::string_view url);
  ~json_dir();
  json_dir(const json_dir&) = delete;
  json_dir& operator=(const json_dir&) = delete;

 private:
  struct file_entry;
  struct table_data;

 public:
  struct table_handle {
    table_data* data;
    const detail::table_schema* schema;
  };

  table_handle open_table(const detail::table_schema& s);

  write_result write(table_handle& h, const void* record, write_mode mode);

  /// Upserts every record in one transaction: all of them, or none.
  void put_many(table_handle& h, std::span<const void* const> records);

  bool get(table_handle& h, const detail::cell& key, void* out);

  bool erase(table_handle& h, const detail::cell& key);

  /// A snapshot of the selected records, decoded as they are yielded.
  using cursor = detail::row_cursor;

  cursor select(table_handle& h, const detail::query_spec& q);

  std::uint64_t count(table_handle& h, const detail::query_spec& q);

  /// Deletes the records q selects in one transaction (through the journal): all or none.
  std::uint64_t erase_where(table_handle& h, const detail::query_spec& q);
  /// Sets fields of the records q selects in one transaction (through the journal): all or none.
  /// Fields of the files that the record does not know are kept, as by a write.
  std::uint64_t update_where(table_handle& h, const detail::query_spec& q,
                             std::span<const detail::field_change> changes);

  /// Each value of the field among the records q selects, with its count (count_values).
  std::vector<detail::group_count> count_groups(table_handle& h, const detail::query_spec& q, std::size_t field);

  /// Deletes every record file, without reading them (so a file that does not parse goes too);
  /// files that are no records (see record_files) stay.
  void clear(table_handle& h);

  void begin(unsigned depth);
  void commit(unsigned depth);
  void rollback(unsigned depth);

  const std::filesystem::path& root() const noexcept;
  /// How many record files this store has read and parsed so far: a query over unchanged
  /// files reads none again.
  std::uint64_t files_read() const noexcept;
  /// The file that holds (or would hold) the record with this key.
  template <class K>
  std::filesystem::path file_for(const table_handle& h, const K& key) const {
    std::string scratch;
    return file_of_key(h, detail::key_cell(*h.schema, key, scratch));
  }

 private:
  struct change;
  // (table, file name) -> what to write, or nullopt to delete
  using pending = std::map<std::pair<table_data*, std::string>, std::optional<change>>;

  /// Reads the parameters of a "dir:" URL, "name=value&...".
  void read_parameters(std::string_view params);

  static std::string file_of(const value& key);
  std::filesystem::path file_of_key(const table_handle& h, const detail::cell& key) const;

  /// write(), told which record files exist when the caller listed the directory under the lock
  /// (names without ".json", sorted); nullptr when it did not.
  write_result write_record(table_handle& h, const void* record, write_mode mode,
                            const std::vector<std::string>* on_disk);

  /// A scope for operations that must be atomic even outside a user's transaction.
  class local_scope {
   public:
    explicit local_scope(json_dir& b);
    ~local_scope();
    void commit();

   private:
    json_dir& b_;
    unsigned depth_;
    bool done_ = false;
  };
  local_scope local_transaction();

  std::vector<detail::stored_column> read_schema(const detail::table_schema& s, const std::filesystem::path& p);

  /// Parses a record file, or throws corrupt_error naming the file and the line.
  json parse_file(const table_handle& h, const std::filesystem::path& p, const std::string& text);

  /// The cache entry of one file, brought up to date; nullptr when the file does not exist.
  ///
  /// How the cache stays right while other processes write the directory (writers take the
  /// lock, readers do not): an entry, and the row decoded from it, serves only while stat()
  /// shows the file with the inode, size and modification time (in ns) it had when it was read,
  /// and only when that time was over 100 ms older than the read: file times tick coarsely (a
  /// few ms), so a file changed again within one tick, with the same size and a recycled inode,
  /// would look unchanged, and such recent files are read every time. So each get and each query
  /// pays one stat() per file (the second, warm query of json_dir_bench is mostly that), and
  /// reads only the files that changed. A file not in the cache is opened at once and its
  /// identity taken with fstat() on the open file: that of the very text read.
  file_entry* refresh_file(const table_handle& h, const std::string& file);
  static std::int64_t mtime_of(const struct stat& st);

  /// The pending write of one file in the open transaction, innermost level first: nullptr when
  /// there is none, else a slot holding the change or nullopt for a deletion.
  const std::optional<change>* pending_of(const table_data* t, const std::string& file) const;

  /// The document of one record, pending writes of the transaction included; it stays valid
  /// until the next read or write of the table.
  const json* load(const table_handle& h, const std::string& file);

  /// The row of a cache entry, decoded on first use for this schema.
  const std::vector<value>& cached_row(const table_handle& h, file_entry& e, const std::string& file);

  /// The row of one record, pending writes included, or nullptr; a row decoded from a pending
  /// write is kept in scratch.
  const std::vector<value>* find_row(const table_handle& h, const std::string& file, std::vector<value>& scratch);

  /// The names (without ".json") of the table's record files on disk: those a key encodes to.
  /// Another .json file (Notes.json, %zz.json) is nobody's record: get cannot reach it, so
  /// queries, count and clear leave it alone too. A name the cache holds was checked before.
  static std::vector<std::string> record_files(const table_data& t);

  struct row_set;

  row_set all_rows(const table_handle& h);

  std::vector<value> row_of(const table_handle& h, const json& doc, const std::string& file);

  void check_unique(const table_handle& h, const std::vector<value>& row, const std::string& file,
                    const detail::key_ref& key);

  /// The positions in `all` of the rows q's filter selects.
  static std::vector<std::size_t> chosen_rows(const row_set& all, const detail::query_spec& q);
  /// What a sub-query of a filter selects (a detail::sub_query_reader; self is the backend).
  static std::vector<value> sub_query_values(void* self, const detail::sub_query& q);
  /// q with its sub-queries resolved (in scratch when it has any), read before the table's rows.
  const detail::query_spec& resolved(const detail::query_spec& q, detail::query_spec& scratch);

  /// Checks the table as an update by predicate would leave it (changed[k] in place of row
  /// chosen[k]) against the unique indexes whose fields it changes, in one sort per index: a
  /// changed row that shares an index's values with another is a constraint_error.
  static void check_unique_after(const table_handle& h, const row_set& all, const std::vector<std::size_t>& chosen,
                                 const std::vector<std::vector<value>>& changed,
                                 std::span<const detail::field_change> changes);

  /// Writes or deletes one record file: into the transaction when one is open, else at once.
  /// The caller holds the lock (exclusive()).
  void store(table_data& t, const std::string& file, std::optional<json> doc, std::string text = {});

  struct journal_op;

  /// Commits a transaction's writes: journal first (the commit point), then the files.
  void apply_with_journal(pending& all);

  /// Reads a journal left behind, checking all of it before anything is applied: it must be an
  /// array of {"table": name, "file": name, "content": the text of a JSON object, or null to
  /// delete}, where every name is one that encode_file_name makes, so that no entry reaches
  /// outside the root.
  std::vector<journal_op> read_journal(const std::filesystem::path& p, const std::string& text);

  /// Applies a journal's operations, makes them durable, then removes the journal.
  void replay(const std::vector<journal_op>& ops);

  /// Takes the store's lock, unless this store's open transaction holds it already, and first
  /// finishes a committed transaction that a crashed writer left in the journal: every writer
  /// does so before it writes, so no write can be overtaken by an older journal.
  detail::json_dir_impl::file_lock exclusive();

  void recover_journal();

  /// Runs at open, under the lock: removes temporary files of interrupted writes.
  void remove_temporaries();

  // the store's state lives in the implementation (json_dir.ipp): a program's files see neither
  // nlohmann's types nor the cache's containers, and a separately compiled program's files do
  // not parse nlohmann/json.hpp for json_dir
  struct state;
  std::unique_ptr<state> s_;
};

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <nlohmann/json.hpp>

#include <stowage/backend/impl/json_dir.ipp>
#endif
