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
#include <string>
#include <string_view>
#include <unordered_map>
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
    bool operator()(const value& a, const value& b) const;
  };
  struct rows_less {
    bool operator()(const std::vector<value>& a, const std::vector<value>& b) const;
  };
  using row = std::vector<value>;

  struct unique_index {
    std::string name;
    std::vector<std::size_t> columns;         // positions in the stored row
    std::map<row, value, rows_less> entries;  // indexed values -> key
  };

  struct stored_table {
    std::string name;
    std::vector<detail::stored_column> columns;
    std::size_t key = 0;
    std::map<value, row, value_less> rows;
    std::vector<unique_index> uniques;
  };

 public:
  /// One record type's view of a stored table: where each field lives in the stored row.
  struct table_handle {
    stored_table* table;
    const detail::table_schema* schema;
    std::vector<std::size_t> positions;  // field index -> stored column
    bool identity;                       // positions[i] == i for every field
  };

  table_handle open_table(const detail::table_schema& s);

  write_result write(table_handle& h, const void* record, write_mode mode);

  bool get(table_handle& h, const detail::cell& key, void* out);

  bool erase(table_handle& h, const detail::cell& key);

  /// A snapshot of the selected records, decoded as they are yielded.
  using cursor = detail::row_cursor;

  cursor select(table_handle& h, const detail::query_spec& q);

  std::uint64_t count(table_handle& h, const detail::query_spec& q);

  void clear(table_handle& h);

  void begin(unsigned depth);
  void commit(unsigned depth);
  void rollback(unsigned depth);

 private:
  struct undo_entry {
    stored_table* table;
    value key;
    std::optional<row> before;
  };

  /// Whether a transaction is open: only then do writes keep what they replace.
  bool in_transaction() const noexcept { return !marks_.empty(); }
  void log(stored_table* t, const value& key, std::optional<row> before);

  static std::optional<row> indexed(const unique_index& u, const row& r);

  void check_unique(const table_handle& h, const row& r, const value& key);

  /// Sets or removes the row with this key, keeping the unique indexes in step.
  static void store(stored_table& t, const value& key, std::optional<row> r);

  static row to_stored(const table_handle& h, row fields);

  static void decode(const table_handle& h, const row& stored, void* out);

  std::vector<const row*> matching(const table_handle& h, const detail::query_spec& q);

  static void remap(detail::expr& e, const std::vector<std::size_t>& positions);

  std::unordered_map<std::string, std::unique_ptr<stored_table>> tables_;
  std::deque<undo_entry> undo_;
  std::vector<std::size_t> marks_;
};

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/backend/impl/memory.ipp>
#endif
