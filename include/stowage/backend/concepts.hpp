// The contract between stowage's store layer and a storage backend. A backend is a policy type
// chosen at compile time (database<sqlite>); nothing here is virtual.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

/// A cursor over records selected up front, for backends that answer a query with a snapshot.
template <class Record>
class snapshot_cursor {
 public:
  explicit snapshot_cursor(std::vector<Record> rows) : rows_(std::move(rows)) {}
  bool next(Record& out) {
    if (pos_ == rows_.size()) return false;
    out = std::move(rows_[pos_++]);
    return true;
  }

 private:
  std::vector<Record> rows_;
  std::size_t pos_ = 0;
};

/// A small record that the concept uses to check a backend's record operations.
struct probe_record {
  BOOST_HANA_DEFINE_STRUCT(probe_record, (std::int64_t, id), (std::string, name));
};

}  // namespace detail

/// A storage backend. The requirements, each a member of B:
template <class B>
concept backend = requires(B& b, const B& cb, const detail::table_schema& schema, typename B::table_handle& h,
                           const detail::probe_record& r, const std::int64_t& key, const detail::query_spec& q,
                           unsigned depth) {
  // opens a store from a URL (each backend documents its forms); throws unavailable_error
  requires std::constructible_from<B, std::string_view>;
  // whether a query's cursor reads the store while it is iterated (it then holds the database's
  // lock); false when select() returns a snapshot
  { B::streams } -> std::convertible_to<bool>;
  // creates or migrates the table for a record's schema; the handle stays valid for B's lifetime
  { b.open_table(schema) } -> std::same_as<typename B::table_handle>;
  // writes one record in the given mode; throws constraint_error for a unique index violation
  { b.write(h, r, write_mode::upsert) } -> std::same_as<write_result>;
  // reads the record with this key
  { b.template get<detail::probe_record>(h, key) } -> std::same_as<std::optional<detail::probe_record>>;
  // deletes the record with this key, saying whether there was one
  { b.template erase<detail::probe_record>(h, key) } -> std::same_as<bool>;
  // a cursor over the records a query selects, with bool next(Record&); it yields the records as
  // they were when select() ran, whatever the same database writes while it is read
  { b.template select<detail::probe_record>(h, q).next(std::declval<detail::probe_record&>()) } -> std::same_as<bool>;
  // how many records the query selects, honouring offset and limit
  { b.count(h, q) } -> std::same_as<std::uint64_t>;
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
//   get_many<R>(handle, keys)                   a batch of gets, in the order of the keys
//   put_many<R>(handle, records)                a batch of upserts, all or none
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
