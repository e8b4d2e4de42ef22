// The memory backend: tables of stored values in process, with the same semantics as the SQL
// backends (the conformance suite checks it), transactions included. Nothing is persisted.
//
// Thread safety: database<memory> serializes every operation; a transaction holds the database
// for its lifetime, so other threads wait for it to end. Queries return a snapshot.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <stowage/backend/concepts.hpp>
#include <stowage/backend/schema_diff.hpp>
#include <stowage/detail/config.hpp>
#include <stowage/query/evaluate.hpp>

namespace stowage {

class memory {
 public:
  static constexpr std::string_view name = "memory";
  static constexpr bool streams = false;

  /// Accepts "memory:" or an empty URL. Each database<memory> has a store of its own.
  explicit memory(std::string_view url = "memory:");

 private:
  struct value_less {
    // int64 keys, the common case, compare inline, without compare_values' switch
    bool operator()(const value& a, const value& b) const {
      if (a.index() == 1 && b.index() == 1) return *std::get_if<1>(&a) < *std::get_if<1>(&b);
      return other(a, b);
    }
    static bool other(const value& a, const value& b);
  };
  /// Hash and equality of keys, agreeing with compare_values (values of different kinds differ),
  /// for a stored value or a cell: a get or an erase looks its key up without making a value.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(const value& v) const noexcept {
      if (v.index() == 1) return std::hash<std::int64_t>{}(*std::get_if<1>(&v));
      return of(detail::cell_of(v));
    }
    std::size_t operator()(const detail::cell& c) const noexcept {
      if (c.t == detail::cell::type::integer) return std::hash<std::int64_t>{}(c.i);
      return of(c);
    }
    static std::size_t of(const detail::cell& c) noexcept;
  };
  struct key_equal {
    using is_transparent = void;
    bool operator()(const value& a, const value& b) const {
      if (a.index() == 1 && b.index() == 1) return *std::get_if<1>(&a) == *std::get_if<1>(&b);
      return !value_less::other(a, b) && !value_less::other(b, a);
    }
    bool operator()(const detail::cell& a, const value& b) const {
      if (a.t == detail::cell::type::integer && b.index() == 1) return a.i == *std::get_if<1>(&b);
      return other(a, b);
    }
    bool operator()(const value& a, const detail::cell& b) const { return (*this)(b, a); }
    static bool other(const detail::cell& a, const value& b);
  };
  /// A stored row: one value per stored column, in one allocation with its count of owners.
  /// Never changed once made (a write puts a new one in its place), so that a query's snapshot
  /// and the undo log share rows instead of copying them.
  using row_ptr = std::shared_ptr<const value[]>;
  struct stored_row;
  using row_node = std::pair<const value, stored_row>;

  /// A place in an index: before (or after) every entry whose indexed values equal those of a
  /// row in stored layout, or whose first indexed value equals one value.
  struct row_probe {
    const value* values;
    bool after;
  };
  struct value_probe {
    const value* first;
    bool after;
  };

  /// An entry of an index: the stored row itself (the index owns no copies of values, so a row
  /// is taken out of its indexes before it changes and put back after), with the first indexed
  /// value and the key copied when they are integers, the common case, so that most comparisons
  /// read the entry alone.
  struct index_entry {
    const row_node* node;
    std::int64_t first;
    std::int64_t key;
    bool first_integer;
    bool key_integer;
    bool plain;  // one indexed column, it and the key integers: ordered by (first, key) alone
  };

  /// Orders an index's entries by their indexed values (NULL first, as ORDER BY does), then by key.
  struct entry_less {
    using is_transparent = void;
    std::vector<std::size_t> columns;  // positions in the stored row
    bool operator()(const index_entry& a, const index_entry& b) const {
      if (a.plain && b.plain) return a.first < b.first || (a.first == b.first && a.key < b.key);
      return less(a, b);
    }
    bool less(const index_entry& a, const index_entry& b) const;
    bool operator()(const index_entry& a, const row_probe& b) const;
    bool operator()(const row_probe& a, const index_entry& b) const;
    bool operator()(const index_entry& a, const value_probe& b) const;
    bool operator()(const value_probe& a, const index_entry& b) const;
  };

  /// Every index a record declares, unique or not, holds every row (rows with NULLs too, so that
  /// a query can take its candidates from it); uniqueness ignores entries with a NULL, as in SQL.
  struct stored_index {
    std::string name;
    bool unique;
    std::vector<std::size_t> columns;  // positions in the stored row, as in entries' order
    std::set<index_entry, entry_less> entries;
  };
  using entry_iterator = std::set<index_entry, entry_less>::iterator;

  /// A key's row, and its entry in the table's first index (when it has one), so that taking a
  /// row out of that index needs no search.
  struct stored_row {
    row_ptr row;
    entry_iterator in_first{};
  };
  /// Rows by key. Hashed, as a point get or erase wants; what reads rows in key order (a query)
  /// sorts the ones it takes.
  using row_map = std::unordered_map<value, stored_row, key_hash, key_equal>;
  static_assert(std::is_same_v<row_map::value_type, row_node>);

  struct stored_table {
    std::string name;
    std::vector<detail::stored_column> columns;
    std::size_t key = 0;
    row_map rows;
    std::vector<stored_index> indexes;
  };

 public:
  /// How a field is copied between a record and a stored value: std::int64_t and std::string
  /// fields, the common ones, directly; every other type through its codec (and a stored value
  /// of an unexpected kind, whatever the field, so that the codec reports it).
  enum class field_copy : std::uint8_t { codec, integer, text };
  struct field_plan {
    std::size_t position;  // of the field's column in the stored row
    std::size_t offset;    // of the field in the record
    field_copy copy;
  };

  /// One record type's view of a stored table: where each field lives in the stored row.
  struct table_handle {
    stored_table* table;
    const detail::table_schema* schema;
    std::vector<std::size_t> positions;  // field index -> stored column
    bool identity;                       // positions[i] == i for every field
    std::vector<field_plan> fields;      // field index -> how it is stored and read
  };

  table_handle open_table(const detail::table_schema& s);

  write_result write(table_handle& h, const void* record, write_mode mode);

  bool get(table_handle& h, const detail::cell& key, void* out);

  bool erase(table_handle& h, const detail::cell& key);

  /// A snapshot of the selected records: the stored rows themselves (a write replaces a row
  /// rather than changing it), each decoded as it is yielded.
  class cursor {
   public:
    cursor(const table_handle& h, std::vector<row_ptr> rows, std::vector<std::size_t> columns)
        : handle_(&h), rows_(std::move(rows)), columns_(std::move(columns)) {}
    bool next(void* out);

   private:
    const table_handle* handle_;
    std::vector<row_ptr> rows_;
    std::vector<std::size_t> columns_;  // a projection's fields (query_spec::columns)
    std::size_t pos_ = 0;
  };

  cursor select(table_handle& h, const detail::query_spec& q);

  std::uint64_t count(table_handle& h, const detail::query_spec& q);

  /// Deletes the rows q selects, in a savepoint of its own: all or none.
  std::uint64_t erase_where(table_handle& h, const detail::query_spec& q);
  /// Changes the rows q selects one by one, each checked against the unique indexes as a write
  /// is, in a savepoint of its own: a refused one undoes the others. (Checking them one at a time
  /// refuses no update that the final state allows: the new values are the same for all rows.)
  std::uint64_t update_where(table_handle& h, const detail::query_spec& q,
                             std::span<const detail::field_change> changes);

  /// Each value of the field among the rows q selects, with its count (count_values).
  std::vector<detail::group_count> count_groups(table_handle& h, const detail::query_spec& q, std::size_t field);

  void clear(table_handle& h);

  void begin(unsigned depth);
  void commit(unsigned depth);
  void rollback(unsigned depth);

 private:
  struct undo_entry {
    stored_table* table;
    value key;
    row_ptr before;  // none when the key had no row
  };

  /// Whether a transaction is open: only then do writes keep what they replace.
  bool in_transaction() const noexcept { return !marks_.empty(); }
  void log(stored_table* t, const value& key, row_ptr before);

  static index_entry entry_of(const stored_index& x, const row_node& n);
  /// Puts the row's entry in the index.
  static entry_iterator add(stored_index& x, const row_node& n);
  /// Puts the row in every index of the table, or takes it out of every one.
  static void add_to_indexes(stored_table& t, row_node& n);
  static void remove_from_indexes(stored_table& t, row_node& n);

  static bool has_null(const value* r, const std::vector<std::size_t>& columns);

  /// Whether the index has an entry with the indexed values of r (a row in stored layout).
  static bool holds(const stored_index& x, const value* r);

  void check_unique(const table_handle& h, const value* r, const value& key);

  /// Sets (r) or removes (no r) the row with this key, at `it` (rows.find(key)), keeping the
  /// indexes in step.
  static void store(stored_table& t, row_map::iterator it, const value& key, row_ptr r);

  // to_stored and decode reach a record's fields by offset: they are not inlined (their
  // definitions say so) into the typed callers, where g++ -O3 would see a std::string written at
  // an offset of a record it knows has no string there, and warn (-Warray-bounds) about a branch
  // that never runs for that record

  /// The stored form of a record: its fields encoded straight into their stored places.
  static row_ptr to_stored(const table_handle& h, const void* record);

  /// Sets v, a NULL value, to the value a cell holds.
  static void assign(value& v, const detail::cell& c);

  /// Reads a row's stored values into the fields of the record at out.
  static void decode(const table_handle& h, const value* stored, void* out);

  /// The selected rows, in the query's order (key order where it leaves ties).
  std::vector<const row_ptr*> matching(const table_handle& h, const detail::query_spec& q);

  /// The rows an index offers for a filter, in key order, or nothing when no index serves it.
  /// `exact` is set when they are exactly the rows the filter selects (it then need not run).
  static std::optional<std::vector<const row_ptr*>> candidates(const stored_table& t, const detail::expr& filter,
                                                               bool& exact);

  static void remap(detail::expr& e, const std::vector<std::size_t>& positions);
  /// What a sub-query of a filter selects (a detail::sub_query_reader; self is the backend).
  static std::vector<value> sub_query_values(void* self, const detail::sub_query& q);

  std::unordered_map<std::string, std::unique_ptr<stored_table>> tables_;
  std::deque<undo_entry> undo_;
  std::vector<std::size_t> marks_;
};

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/backend/impl/memory.ipp>
#endif
