// The contract between stowage's store layer and a storage backend. A backend is a policy type
// chosen at compile time (database<sqlite>); nothing here is virtual.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/query/assignment.hpp>
#include <stowage/query/projection.hpp>
#include <stowage/query/query_spec.hpp>
#include <stowage/record/record.hpp>

namespace stowage {

/// How a write treats an existing record with the same key.
enum class write_mode {
  upsert,  ///< replace it, or create the record
  insert,  ///< refuse: the record must be new
  update,  ///< replace it; the record must exist
};

/// The isolation level of a transaction. Backends that run one transaction at a time (memory,
/// sqlite, json_dir) are serializable whatever is asked; postgres runs each level as asked.
enum class isolation { read_committed, repeatable_read, serializable };

/// What a write did, for the store layer to turn into an error where needed.
enum class write_result { done, key_exists, key_missing };

namespace detail {

/// Where get_many puts the records it finds: slot(context, i) is the record to read the row of
/// keys[i] into (called only for keys that have a record).
struct record_slots {
  void* context;
  void* (*slot)(void* context, std::size_t i);
};

/// A backend whose record operations are plain functions over table_schema.
template <class B>
concept plain_backend = requires(B& b, typename B::table_handle& h, const void* record, void* out, const cell& key,
                                 const query_spec& q) {
  { b.write(h, record, write_mode::upsert) } -> std::same_as<write_result>;
  { b.get(h, key, out) } -> std::same_as<bool>;
  { b.erase(h, key) } -> std::same_as<bool>;
  { b.select(h, q).next(out) } -> std::same_as<bool>;
};

/// A cursor over rows of stored values (in field order) selected up front: the snapshot that
/// backends filtering in process return from select(). Each row is decoded as it is yielded.
/// For a projection (columns not empty) a row holds those fields' values only.
class row_cursor {
 public:
  // out of line (compiled once): a query loop over any record moves and destroys its cursor
  row_cursor(const table_schema& s, std::vector<std::vector<value>> rows, std::vector<std::size_t> columns = {});
  row_cursor(row_cursor&&) noexcept;
  row_cursor& operator=(row_cursor&&) noexcept;
  ~row_cursor();
  bool next(void* out);

 private:
  const table_schema* schema_;
  std::vector<std::vector<value>> rows_;
  std::vector<std::size_t> columns_;
  std::size_t pos_ = 0;
};

}  // namespace detail

/// A storage backend: a class whose members below do what their comments say. Records reach it
/// type-erased: `record` points to a record of the table's type, whose fields the backend reads
/// and writes with detail::encode_field and detail::decode_field through the table_schema given
/// to open_table; keys arrive as one stored value (a detail::cell).
template <class B>
concept backend = requires(B& b, const B& cb, const detail::table_schema& schema, typename B::table_handle& h,
                           const detail::query_spec& q, std::span<const detail::field_change> changes, unsigned depth) {
  // opens a store from a URL (each backend documents its forms); throws unavailable_error
  requires std::constructible_from<B, std::string_view>;
  // whether a query's cursor reads the store while it is iterated (it then holds the database's
  // lock); false when select() returns a snapshot
  { B::streams } -> std::convertible_to<bool>;
  // creates or migrates the table for a record's schema; the handle stays valid for B's lifetime
  { b.open_table(schema) } -> std::same_as<typename B::table_handle>;
  // write(h, record, mode) -> write_result: writes one record in the given mode; throws
  //     constraint_error for a unique index violation
  // get(h, key, out) -> bool: reads the record with this key into *out, saying whether there is one
  // erase(h, key) -> bool: deletes the record with this key, saying whether there was one
  // select(h, q) -> a cursor with bool next(void* out): the records a query selects (or, when
  //     q.columns is not empty, only those fields of them: see query_spec::columns), as they
  //     were when select() ran, whatever the same database writes while it is read
  requires detail::plain_backend<B>;
  // how many records the query selects, honouring offset and limit
  { b.count(h, q) } -> std::same_as<std::uint64_t>;
  // erase_where(h, q) -> how many: deletes every record q's filter selects (q has no order,
  //     offset or limit), all or none: one statement on SQL backends
  { b.erase_where(h, q) } -> std::same_as<std::uint64_t>;
  // update_where(h, q, changes) -> how many: sets changes[i].field to changes[i].to (each field
  //     once, never the key) in every record q's filter selects, all or none: one statement on
  //     SQL backends. A unique index that refuses one changed record leaves every record as it
  //     was and throws constraint_error; inside a transaction, the transaction goes on
  { b.update_where(h, q, changes) } -> std::same_as<std::uint64_t>;
  // count_groups(h, q, field) -> each stored value of the field among the records q's filter
  //     selects (q has no order, offset or limit) with how many hold it, NULL first, then
  //     ascending as ORDER BY sorts: one GROUP BY statement on SQL backends
  { b.count_groups(h, q, std::size_t{}) } -> std::same_as<std::vector<detail::group_count>>;
  // deletes every record of the table
  b.clear(h);
  // transactions: depth 0 is BEGIN/COMMIT/ROLLBACK, deeper levels are savepoints
  b.begin(depth);
  b.commit(depth);
  b.rollback(depth);
  // a short name for messages ("sqlite")
  { B::name } -> std::convertible_to<std::string_view>;
};

// Optional members the store layer uses when a backend has them:
//   static constexpr bool concurrent = true;   the backend is thread-safe itself (a connection
//       pool): database<B> then takes no lock, and a transaction belongs to the thread that began
//       it, which the backend tracks
//   begin(depth, isolation)                     a transaction at an isolation level
//   get_many(handle, std::span<const detail::cell> keys, detail::record_slots out)
//                                               a batch of gets
//   put_many(handle, std::span<const void* const> records)
//                                               a batch of upserts, all or none
namespace detail {
template <class B>
constexpr bool is_concurrent() {
  if constexpr (requires { B::concurrent; })
    return B::concurrent;
  else
    return false;
}
}  // namespace detail

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/backend/impl/row_cursor.ipp>
#endif
