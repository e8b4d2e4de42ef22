// The store layer users talk to: database<Backend> owns the backend and its lock, table<Record,
// Backend> is the handle for one record type, query<Record, Backend> a lazy range of records,
// and transaction<Backend> an RAII scope (a savepoint when nested).
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "../backend/concepts.hpp"
#include "../query/query_spec.hpp"

namespace stowage {

template <backend Backend>
class database;
template <record Record, backend Backend>
class table;

/// An RAII transaction. Rolls back when it goes out of scope uncommitted. Transactions nest:
/// an inner one is a savepoint, and ending the outer one decides for all. A transaction holds
/// its database for its lifetime; other threads using the database wait until it ends.
template <backend Backend>
class transaction {
 public:
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  transaction(transaction&& o) noexcept
      : db_(std::exchange(o.db_, nullptr)), lock_(std::move(o.lock_)), depth_(o.depth_) {}

  ~transaction() {
    if (db_) {
      try {
        finish(false);
      } catch (...) {  // a destructor cannot report; the backend is left rolled back or closed
      }
    }
  }

  /// Makes the changes since this transaction began permanent (or part of the enclosing one).
  void commit() { finish(true); }
  /// Discards the changes since this transaction began.
  void rollback() { finish(false); }
  /// The nesting depth: 0 for an outermost transaction.
  unsigned depth() const noexcept { return depth_; }

 private:
  friend class database<Backend>;
  explicit transaction(database<Backend>& db) : db_(&db), lock_(db.mutex_) {
    depth_ = db.depth_;
    db.backend_.begin(depth_);
    ++db.depth_;
  }

  void finish(bool commit) {
    if (!db_) throw std::logic_error("stowage: this transaction has already ended");
    if (db_->depth_ != depth_ + 1)
      throw std::logic_error("stowage: a transaction must end after the transactions nested in it");
    auto* db = std::exchange(db_, nullptr);
    --db->depth_;
    if (commit) {
      try {
        db->backend_.commit(depth_);
      } catch (...) {
        db->backend_.rollback(depth_);
        throw;
      }
    } else {
      db->backend_.rollback(depth_);
    }
    lock_.unlock();
  }

  database<Backend>* db_;
  std::unique_lock<std::recursive_mutex> lock_;
  unsigned depth_ = 0;
};

/// A lazy query over one table. Build it with order_by, limit and offset (each returns a new
/// query); iterate it to run it. Each iteration runs the query afresh.
template <record Record, backend Backend>
class query {
 public:
  using handle = typename Backend::table_handle;

  class iterator {
   public:
    using value_type = Record;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;

    iterator() = default;
    const Record& operator*() const { return state_->current; }
    const Record* operator->() const { return &state_->current; }
    iterator& operator++() {
      if (!state_->cursor.next(state_->current)) state_.reset();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.state_; }

   private:
    friend class query;
    using cursor_t = decltype(std::declval<Backend&>().template select<Record>(
        std::declval<handle&>(), std::declval<const detail::query_spec&>()));
    struct state {
      std::unique_lock<std::recursive_mutex> lock;
      cursor_t cursor;
      Record current{};
    };
    explicit iterator(std::unique_ptr<state> s) : state_(std::move(s)) { ++*this; }
    std::unique_ptr<state> state_;
  };

  /// Orders by a field; call again to add tie-breakers. NULLs come first in ascending order.
  template <auto M>
  query order_by(direction d = asc) const {
    static_assert(std::same_as<typename field_ref<M>::record, Record>, "order_by names a field of another record type");
    query q = *this;
    q.spec_.order.push_back({field_ref<M>::index, d});
    return q;
  }
  /// The same, with the field as an argument: order_by(stowage::field<&Event::time>, desc).
  /// Generic code may prefer it, as it needs no `template` keyword.
  template <auto M>
  query order_by(field_ref<M>, direction d = asc) const {
    return order_by<M>(d);
  }
  query limit(std::uint64_t n) const {
    query q = *this;
    q.spec_.limit = n;
    return q;
  }
  query offset(std::uint64_t n) const {
    query q = *this;
    q.spec_.offset = n;
    return q;
  }

  iterator begin() const {
    auto lock = std::unique_lock(db_->mutex_);
    auto& b = db_->backend_;
    auto s = std::unique_ptr<typename iterator::state>(
        new typename iterator::state{std::move(lock), b.template select<Record>(*handle_, spec_), Record{}});
    if constexpr (!Backend::streams) s->lock.unlock();
    return iterator(std::move(s));
  }
  std::default_sentinel_t end() const noexcept { return {}; }

  /// How many records the query yields.
  std::uint64_t count() const {
    auto lock = std::lock_guard(db_->mutex_);
    return db_->backend_.count(*handle_, spec_);
  }
  /// Whether the query yields any record.
  bool exists() const { return limit(1).count() > 0; }
  /// The first record the query yields.
  std::optional<Record> first() const {
    for (const Record& r : limit(1)) return r;
    return std::nullopt;
  }
  /// Runs the query and collects its records.
  std::vector<Record> to_vector() const {
    std::vector<Record> out;
    for (auto it = begin(); it != end(); ++it) out.push_back(*it);
    return out;
  }

  const detail::query_spec& spec() const noexcept { return spec_; }

 private:
  friend class table<Record, Backend>;
  query(database<Backend>* db, handle* h, std::optional<detail::expr> filter) : db_(db), handle_(h) {
    spec_.filter = std::move(filter);
  }
  database<Backend>* db_;
  handle* handle_;
  detail::query_spec spec_;
};

/// The handle for one record type's table. Cheap to copy; valid while its database lives.
template <record Record, backend Backend>
class table {
 public:
  using info = record_info<Record>;
  using key_type = typename info::key_type;

  /// Stores the record, replacing one with the same key.
  void put(const Record& r) { write(r, write_mode::upsert); }
  /// Stores a new record; conflict_error when its key exists.
  void insert(const Record& r) { write(r, write_mode::insert); }
  /// Replaces an existing record; not_found_error when its key does not exist.
  void update(const Record& r) { write(r, write_mode::update); }

  /// The record with this key, if there is one.
  std::optional<Record> get(const key_type& key) const {
    auto lock = std::lock_guard(db_->mutex_);
    return db_->backend_.template get<Record>(*handle_, key);
  }
  /// Deletes the record with this key; false when there was none.
  bool erase(const key_type& key) {
    auto lock = std::lock_guard(db_->mutex_);
    return db_->backend_.template erase<Record>(*handle_, key);
  }

  /// Stores many records in one transaction: all of them, or none when one fails.
  template <std::ranges::input_range Records>
  requires std::convertible_to < std::ranges::range_reference_t<Records>,
  const Record& > void put_many(const Records& records) {
    auto tx = db_->transaction();
    for (const Record& r : records) write_locked(r, write_mode::upsert);
    tx.commit();
  }

  /// Every record.
  stowage::query<Record, Backend> query() const { return {db_, handle_, std::nullopt}; }
  /// The records that satisfy p.
  stowage::query<Record, Backend> query(predicate<Record> p) const { return {db_, handle_, std::move(p).expr()}; }

  std::uint64_t count() const { return query().count(); }
  std::uint64_t count(predicate<Record> p) const { return query(std::move(p)).count(); }
  bool exists(predicate<Record> p) const { return query(std::move(p)).exists(); }

  /// Deletes every record of the table.
  void clear() {
    auto lock = std::lock_guard(db_->mutex_);
    db_->backend_.clear(*handle_);
  }

  database<Backend>& db() const noexcept { return *db_; }

 private:
  friend class database<Backend>;
  table(database<Backend>* db, typename Backend::table_handle* h) : db_(db), handle_(h) {}

  void write(const Record& r, write_mode mode) {
    auto lock = std::lock_guard(db_->mutex_);
    write_locked(r, mode);
  }
  void write_locked(const Record& r, write_mode mode) {
    switch (db_->backend_.write(*handle_, r, mode)) {
      case write_result::done: return;
      case write_result::key_exists:
        throw conflict_error("a record with this key exists already",
                             detail::context_of(detail::schema_of<Record>(), detail::make_key_ref(info::key_of(r))));
      case write_result::key_missing:
        throw not_found_error("there is no record with this key to update",
                              detail::context_of(detail::schema_of<Record>(), detail::make_key_ref(info::key_of(r))));
    }
  }

  database<Backend>* db_;
  typename Backend::table_handle* handle_;
};

/// A store on one backend: database<sqlite> db{"file:app.db"}. Owns the connection; every
/// operation on it and its tables is serialized by one lock, so it may be shared by threads.
/// Not copyable or movable: table handles refer to it.
template <backend Backend>
class database {
 public:
  explicit database(std::string_view url) : backend_(url) {}
  database() requires std::default_initializable<Backend>
  = default;
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// The table of a record type, created (or migrated by adding columns) on first use.
  template <record Record>
  stowage::table<Record, Backend> table() {
    auto lock = std::lock_guard(mutex_);
    const auto& schema = detail::schema_of<Record>();
    for (auto& [s, h] : handles_)
      if (s == &schema) return {this, h.get()};
    auto h = std::make_unique<typename Backend::table_handle>(backend_.open_table(schema));
    handles_.emplace_back(&schema, std::move(h));
    return {this, handles_.back().second.get()};
  }

  /// Begins a transaction, or a savepoint inside the current one.
  stowage::transaction<Backend> transaction() { return stowage::transaction<Backend>(*this); }

  /// The backend itself, for what stowage does not wrap. Use it under lock().
  Backend& backend() noexcept { return backend_; }
  std::recursive_mutex& lock() noexcept { return mutex_; }

 private:
  template <record, stowage::backend>
  friend class stowage::table;
  template <record, stowage::backend>
  friend class stowage::query;
  friend class stowage::transaction<Backend>;

  std::recursive_mutex mutex_;
  Backend backend_;
  unsigned depth_ = 0;
  std::vector<std::pair<const detail::table_schema*, std::unique_ptr<typename Backend::table_handle>>> handles_;
};

}  // namespace stowage
