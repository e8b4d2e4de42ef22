// The store layer users talk to: database<Backend> owns the backend and its lock, table<Record,
// Backend> is the handle for one record type, query<Record, Backend> a lazy range of records,
// and transaction<Backend> an RAII scope (a savepoint when nested).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <stowage/backend/concepts.hpp>
#include <stowage/detail/checks.hpp>
#include <stowage/detail/config.hpp>
#include <stowage/query/assignment.hpp>
#include <stowage/query/page.hpp>
#include <stowage/query/projection.hpp>
#include <stowage/query/query_spec.hpp>

namespace stowage {

// The class templates below take any type and check it themselves, with static_asserts whose
// failed requirement names the type (stowage/detail/checks.hpp), rather than with constraints,
// whose failure g++ reports in dozens of lines. A class whose static_assert fails is left alone
// by both compilers, so the assertion is the only error.
template <class Backend>
class database;

/// The lock of a database whose backend has one connection: a mutex that the thread holding it
/// may lock again (a transaction's thread runs its operations under the lock the transaction
/// holds), as std::recursive_mutex. Taking it when it is free costs an atomic exchange and the
/// thread's id, a few instructions where a pthread recursive mutex takes about seventy (a
/// point get's overhead); a thread that finds it taken waits on the atomic, woken by unlock.
class reentrant_mutex {
 public:
  // out of line: a lock taken in every operation of every table would otherwise expand the
  // atomic operations in each
  void lock();
  bool try_lock();
  void unlock();

 private:
  // only the holder stores its id here, and clears it before it lets go: a relaxed load sees
  // this thread's id exactly when this thread holds the lock
  bool held_by(std::thread::id me) const noexcept { return owner_.load(std::memory_order_relaxed) == me; }
  /// Waits until the lock is free and takes it, marked as wanted by others (2) until the next
  /// unlock, which then wakes one waiter.
  void wait_for_it();
  /// Wakes one waiter. Out of line, as wait_for_it: the atomic wait and notify machinery is
  /// compiled once, not in every function that takes the lock.
  void wake_one();

  std::atomic<int> state_{0};  // 0 free, 1 held, 2 held and maybe waited for
  std::atomic<std::thread::id> owner_{};
  unsigned depth_ = 0;  // used by the holder only
};

namespace detail {
/// The error for a write the backend refused: an insert of an existing key, an update of a missing one.
[[noreturn]] void write_refused(const table_schema& s, const void* record, write_result r);

/// The table handles a database has opened, one per record type, each with the function that
/// deletes it: type-erased, so that the list's code is compiled once for every backend.
class handle_list {
 public:
  handle_list() = default;
  handle_list(const handle_list&) = delete;
  handle_list& operator=(const handle_list&) = delete;
  ~handle_list();

  /// The handle opened for a schema, or nullptr.
  void* find(const table_schema* s) const noexcept;
  /// Takes h, which destroy deletes when the list goes (at once, if adding it throws).
  void* add(const table_schema* s, void* h, void (*destroy)(void*));

 private:
  struct slot {
    const table_schema* schema;
    void* handle;
    void (*destroy)(void*);
  };
  std::vector<slot> slots_;
};

/// Each thread's transaction depth, for a backend whose transactions belong to threads
/// (concurrent: a connection pool). Out of line, with its map, so that it is compiled once.
class thread_depths {
 public:
  thread_depths();
  thread_depths(const thread_depths&) = delete;
  thread_depths& operator=(const thread_depths&) = delete;
  ~thread_depths();
  /// The calling thread's depth, 0 at first; the reference stays valid while this lives.
  unsigned& of_this_thread();

 private:
  struct map;
  std::unique_ptr<map> map_;
};

/// The keys of a batch as cells: their bytes stay in the keys, or in a scratch string of their
/// own that never moves. Out of line, with its containers, so that it is compiled once.
class key_cells {
 public:
  key_cells();
  key_cells(const key_cells&) = delete;
  key_cells& operator=(const key_cells&) = delete;
  ~key_cells();
  void reserve(std::size_t n);
  /// A new empty string for the next key's stored form, if it needs one.
  std::string& scratch();
  void push_back(const cell& c);
  std::span<const cell> cells() const noexcept;
  std::size_t size() const noexcept;

 private:
  struct parts;
  std::unique_ptr<parts> parts_;
};

template <class B>
using cursor_of =
    decltype(std::declval<B&>().select(std::declval<typename B::table_handle&>(), std::declval<const query_spec&>()));
template <class Backend>
inline constexpr bool models_backend = backend<Backend>;

/// A query being read: the cursor the backend's select() returned, type-erased (with the
/// functions that read and delete it), and while the cursor reads the store (a streaming
/// backend) the database's lock; both are let go when the rows run out. Not a template: the
/// query loops over every record type and backend share its code, compiled once.
class running_query {
 public:
  using next_fn = bool (*)(void* cursor, void* out);
  using delete_fn = void (*)(void* cursor);

  running_query() = default;
  running_query(std::unique_lock<reentrant_mutex> lock, void* cursor, next_fn next, delete_fn del) noexcept;
  running_query(running_query&& o) noexcept;
  running_query& operator=(running_query&& o) noexcept;
  ~running_query();

  /// Reads the next row into *out: false, the cursor and the lock let go, when there is none.
  bool next(void* out);
  bool done() const noexcept { return cursor_ == nullptr; }

 private:
  void finish() noexcept;
  std::unique_lock<reentrant_mutex> lock_;
  void* cursor_ = nullptr;
  next_fn next_ = nullptr;
  delete_fn delete_ = nullptr;
};

/// A backend in name only: declared, never defined or run (a program using it does not compile).
struct stand_in_backend {
  static constexpr std::string_view name = "stand-in";
  static constexpr bool streams = false;
  using table_handle = int;
  struct cursor {
    bool next(void*);
  };
  explicit stand_in_backend(std::string_view);
  table_handle open_table(const table_schema&);
  write_result write(table_handle&, const void*, write_mode);
  bool get(table_handle&, const cell&, void*);
  bool erase(table_handle&, const cell&);
  cursor select(table_handle&, const query_spec&);
  std::uint64_t count(table_handle&, const query_spec&);
  std::uint64_t erase_where(table_handle&, const query_spec&);
  std::uint64_t update_where(table_handle&, const query_spec&, std::span<const field_change>);
  std::vector<group_count> count_groups(table_handle&, const query_spec&, std::size_t);
  void clear(table_handle&);
  void begin(unsigned);
  void commit(unsigned);
  void rollback(unsigned);
};
/// Backend, or, for a type that is not one (reported by database<Backend>), a backend that
/// stands in for it, so that tables and transactions of that database raise no further error.
template <class Backend>
using backend_or_stand_in = std::conditional_t<backend<Backend>, Backend, stand_in_backend>;

/// A range whose elements convert to T (the records of put_many, the keys of get_many).
template <class R, class T>
concept range_of = std::ranges::input_range<R> &&
    std::convertible_to<std::ranges::range_reference_t<R>, std::add_lvalue_reference_t<const T>>;
}  // namespace detail

template <class Record, class Backend>
class table;
template <class Record, class Backend>
class query;

/// One value of a field and how many records hold it: an element of table.count_by<&R::f>().
template <class T>
struct value_count {
  T value;
  std::uint64_t count = 0;
  friend bool operator==(const value_count&, const value_count&) = default;
};

namespace detail {
template <auto M>
using member_type_t = typename member_pointer_parts<decltype(M)>::type;
template <auto M>
using member_record_t = typename member_pointer_parts<decltype(M)>::record;

/// What select<Fields...>() yields: the value of one field, a std::tuple of several.
template <auto... Fields>
struct projected {
  using type = std::tuple<member_type_t<Fields>...>;
};
template <auto Field>
struct projected<Field> {
  using type = member_type_t<Field>;
};

/// An input iterator over what a projection yields: the backend's cursor (query_spec::columns
/// says which fields) decodes one row a step into an element of its own. Not a member of
/// projection, so that it is one type for every backend.
template <class Record, auto... Fields>
class projection_iterator {
 public:
  using value_type = typename projected<Fields...>::type;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::input_iterator_tag;

  projection_iterator() = default;
  explicit projection_iterator(running_query run) : run_(std::move(run)) { ++*this; }
  const value_type& operator*() const { return current_; }
  const value_type* operator->() const { return &current_; }
  projection_iterator& operator++() {
    next(std::make_index_sequence<sizeof...(Fields)>{});
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const projection_iterator& it, std::default_sentinel_t) { return it.run_.done(); }

  static constexpr std::size_t fields[] = {member_index_v<Record, Fields>...};

 private:
  // the fields' own codecs, from the record's schema, read the values in place: nothing here
  // is compiled per field type
  template <std::size_t... I>
  void next(std::index_sequence<I...>) {
    void* out[sizeof...(Fields)];
    if constexpr (sizeof...(Fields) == 1)
      out[0] = &current_;
    else
      ((out[I] = &std::get<I>(current_)), ...);
    run_.next(out);
  }
  running_query run_;
  value_type current_{};
};
}  // namespace detail

/// Some fields of the records a query selects: query.select<&Run::id, &Run::status>(), made by
/// query::select. One field yields its value (std::string, std::optional<int>...), several a
/// std::tuple of their values in the order named; a std::optional field's NULL is std::nullopt.
/// The query's filter, order, offset and limit hold. Each iteration runs the query afresh and
/// streams as a query of records does: the backend's cursor reads the chosen columns only (on
/// SQL backends the others are not even sent) and decodes one row a step into the element it
/// yields, so a large result is never held whole, and a loop that breaks reads no further.
template <class Record, class Backend, auto... Fields>
class projection {
 public:
  using value_type = typename detail::projected<Fields...>::type;
  using iterator = detail::projection_iterator<Record, Fields...>;

  iterator begin() const { return iterator(db_->start(*handle_, spec_)); }
  std::default_sentinel_t end() const noexcept { return {}; }

  /// Runs the query and collects what it yields.
  std::vector<value_type> to_vector() const {
    std::vector<value_type> out;
    for (auto it = begin(); it != end(); ++it) out.push_back(*it);
    return out;
  }

 private:
  friend class query<Record, Backend>;
  template <auto>
  friend struct field_ref;
  projection(database<Backend>* db, typename Backend::table_handle* h, detail::query_spec spec)
      : db_(db), handle_(h), spec_(std::move(spec)) {
    spec_.columns.assign(std::begin(iterator::fields), std::end(iterator::fields));
  }
  database<Backend>* db_;
  typename Backend::table_handle* handle_;
  detail::query_spec spec_;
};

/// An RAII transaction. Rolls back when it goes out of scope uncommitted. Transactions nest:
/// an inner one is a savepoint, and ending the outer one decides for all. A transaction belongs
/// to the thread that began it: the operations that thread makes are part of it. On backends
/// with one connection (memory, sqlite, json_dir) it holds its database for its lifetime, and
/// other threads using the database wait until it ends; on postgres it holds one connection of
/// the pool, and other threads go on with the others.
///
/// It must end in that thread too: commit() or rollback() from another thread throws
/// std::logic_error and changes nothing (the transaction goes on, and its own thread may still
/// end it). A transaction moved to another thread and destroyed there unended cannot be rolled
/// back (its thread may be using the connection at that moment), so, like a std::thread
/// destroyed while joinable, it calls std::terminate.
template <class Backend>
class transaction {
 public:
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  transaction(transaction&& o) noexcept
      : db_(std::exchange(o.db_, nullptr)), lock_(std::move(o.lock_)), depth_(o.depth_), owner_(o.owner_) {}

  ~transaction() {
    if (!db_) return;
    if (owner_ != std::this_thread::get_id()) std::terminate();
    try {
      finish(false);
    } catch (...) {  // a destructor cannot report; the backend is left rolled back or closed
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
  transaction(database<Backend>& db, std::optional<isolation> level) : db_(&db), lock_(db.guard()) {
    unsigned& depth = db.thread_depth();
    depth_ = depth;
    if constexpr (requires { db.backend_.begin(depth_, isolation::serializable); }) {
      if (level)
        db.backend_.begin(depth_, *level);
      else
        db.backend_.begin(depth_);
    } else {
      db.backend_.begin(depth_);  // these backends run one transaction at a time: serializable
    }
    ++depth;
  }

  void finish(bool commit) {
    if (!db_) throw std::logic_error("stowage: this transaction has already ended");
    // checked before anything is touched: on one connection the depth and the lock belong to
    // the thread that began the transaction
    if (owner_ != std::this_thread::get_id())
      throw std::logic_error("stowage: a transaction must end in the thread that began it");
    unsigned& depth = db_->thread_depth();
    if (depth != depth_ + 1)
      throw std::logic_error("stowage: a transaction must end after the transactions nested in it");
    auto* db = std::exchange(db_, nullptr);
    --depth;
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
    if (lock_.owns_lock()) lock_.unlock();
  }

  database<Backend>* db_;
  std::unique_lock<reentrant_mutex> lock_;
  unsigned depth_ = 0;
  std::thread::id owner_ = std::this_thread::get_id();
};

/// A lazy query over one table. Build it with order_by, limit and offset (each returns a new
/// query); iterate it to run it. Each iteration runs the query afresh.
template <class Record, class Backend>
class query {
 public:
  using handle = typename Backend::table_handle;

  /// An input iterator over the records; the record it points to is its own (a field of the
  /// iterator), read in place by each step.
  class iterator {
   public:
    using value_type = Record;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;

    iterator() = default;
    const Record& operator*() const { return current_; }
    const Record* operator->() const { return &current_; }
    iterator& operator++() {
      run_.next(&current_);
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.run_.done(); }

   private:
    friend class query;
    explicit iterator(detail::running_query run) : run_(std::move(run)) { ++*this; }
    detail::running_query run_;
    Record current_{};
  };

  /// Orders by a field; call again to add tie-breakers. NULLs come first in ascending order.
  template <auto M>
  query order_by(direction d = asc) const {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(std::is_same_v<typename field_ref<M>::record, Record>,
                  "order_by names a field of another record type");
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

  iterator begin() const { return iterator(db_->start(*handle_, spec_)); }
  std::default_sentinel_t end() const noexcept { return {}; }

  /// How many records the query yields.
  std::uint64_t count() const { return db_->count(*handle_, spec_); }
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

  /// The first page of the query read a page at a time: at most n records in the query's
  /// order, the key breaking ties (added as the last order field unless the order has it), and
  /// in next the token that continues after them, when a record follows:
  ///
  ///     auto p = tasks.query(where<&Task::done> == false).order_by<&Task::priority>(desc).page(50);
  ///     while (p.next) p = tasks.query(where<&Task::done> == false).order_by<&Task::priority>(desc)
  ///                           .page_after(*p.next, 50);
  ///
  /// Each page seeks after the last record of the one before (on SQL backends one indexed
  /// statement, never an OFFSET), so records written or erased between pages are neither
  /// repeated nor skipped, the erased ones aside. A query read so takes no offset() or limit().
  stowage::page<Record> page(std::uint64_t n) const {
    std::uint32_t shape = 0;  // set by page_query, so read after it (not as a neighbouring argument)
    const detail::query_spec paged = detail::page_query(detail::schema_of<Record>(), spec_, nullptr, n, shape);
    return read_page(paged, shape, n);
  }
  /// The page of at most n records after the position `token` holds: the next of a page this
  /// query (the same table, order and predicate) returned. Any other token, or one altered, is
  /// bad_input_error, whose message says which.
  stowage::page<Record> page_after(std::string_view token, std::uint64_t n) const {
    std::uint32_t shape = 0;
    const detail::query_spec paged = detail::page_query(detail::schema_of<Record>(), spec_, &token, n, shape);
    return read_page(paged, shape, n);
  }

  /// The same query, whose page tokens are made for `shape` (any text) in place of its
  /// predicate: a token then continues a query of this table with the same order and the same
  /// shape, and no other (a query without a shape refuses it, and the tokens of one). For a
  /// predicate built from data that may change between pages (the events model turns link
  /// predicates into the ids of the events that match them): built again from the same
  /// description, with that description as its shape, the query continues the first one's pages.
  /// The shape must name everything the predicate is built from, or queries that differ accept
  /// each other's tokens.
  query page_shape(std::string shape) const& {
    query q = *this;
    q.spec_.page_shape = std::move(shape);
    return q;
  }
  query page_shape(std::string shape) && {  // a query about to go: no copy of its predicate
    spec_.page_shape = std::move(shape);
    return std::move(*this);
  }

  /// Just these fields of the records, in the query's order, offset and limit:
  ///
  ///     for (const auto& [id, status] : runs.query(pred).select<&Run::id, &Run::status>())
  ///
  /// One field yields its value, several a std::tuple (see stowage::projection).
  template <auto... Fields>
  projection<Record, Backend, Fields...> select() const {
    static_assert(sizeof...(Fields) > 0, "stowage: select<...>() names no field: select<&Record::field, ...>()");
    static_assert((detail::reflected_field<Fields> && ...),
                  "stowage: select<...>() names a member that is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert((std::is_same_v<detail::member_record_t<Fields>, Record> && ...),
                  "stowage: select<...>() names a field of another record type");
    return {db_, handle_, spec_};
  }

  const detail::query_spec& spec() const noexcept { return spec_; }

 private:
  friend class table<Record, Backend>;
  stowage::page<Record> read_page(const detail::query_spec& paged, std::uint32_t shape, std::uint64_t n) const {
    stowage::page<Record> p;
    auto run = db_->start(*handle_, paged);
    while (run.next(&p.records.emplace_back())) {
    }
    p.records.pop_back();  // the record the last step did not read
    if (p.records.size() > n) {
      p.records.pop_back();  // read only to know that a next page exists
      p.next = detail::page_token(detail::schema_of<Record>(), paged, shape, &p.records.back());
    }
    return p;
  }
  query(database<Backend>* db, handle* h, detail::query_spec spec) : db_(db), handle_(h), spec_(std::move(spec)) {}
  database<Backend>* db_;
  handle* handle_;
  detail::query_spec spec_;
};

/// The handle for one record type's table. Cheap to copy; valid while its database lives.
template <class Record, class Backend>
class table {
  static_assert(detail::reflected<Record>,
                "stowage: this record type is not reflected: declare its fields with BOOST_HANA_DEFINE_STRUCT, "
                "or list them with BOOST_HANA_ADAPT_STRUCT");
  static_assert(!detail::reflected<Record> || std::is_default_constructible_v<Record>,
                "stowage: a record must be default-constructible (stowage makes one, then reads its fields)");
  static_assert(detail::has_key<Record>,
                "stowage: this record has no key: name a field `id`, or set `static constexpr auto key = "
                "&Record::field;` in a stowage::record_traits<Record> specialization");
  static_assert(detail::key_not_optional<Record>, "stowage: a record's key field cannot be std::optional");
  static_assert(detail::storable<detail::first_unstorable_field<Record>>,
                "stowage: this field's type cannot be stored: use a supported type (integers, floating point, "
                "bool, std::string, stowage::bytes, time points, enums, reflected structs, std::vector, "
                "nlohmann::json, std::optional of these) or specialize stowage::column_traits for it");

 public:
  using info = record_info<Record>;
  using key_type = detail::key_type_of<Record>;

  /// Stores the record, replacing one with the same key.
  void put(const Record& r) { write(r, write_mode::upsert); }
  /// Stores a new record; conflict_error when its key exists.
  void insert(const Record& r) { write(r, write_mode::insert); }
  /// Replaces an existing record; not_found_error when its key does not exist.
  void update(const Record& r) { write(r, write_mode::update); }

  /// The record with this key, if there is one.
  std::optional<Record> get(const key_type& key) const {
    std::string scratch;
    detail::cell k = detail::key_cell(schema(), key, scratch);
    std::optional<Record> out(std::in_place);
    if (!db_->get(*handle_, k, &*out)) out.reset();
    return out;
  }

  /// The records with these keys, in the order of the keys (nullopt where there is none).
  /// postgres answers the whole batch in one round trip.
  template <detail::range_of<key_type> Keys>
  std::vector<std::optional<Record>> get_many(const Keys& keys) const {
    auto lock = db_->guard();
    if constexpr (!std::same_as<std::remove_cvref_t<std::ranges::range_reference_t<const Keys&>>, key_type>) {
      // keys of another type (const char* for a string key, say): made key_type once, here
      std::vector<key_type> converted;
      for (auto&& k : keys) converted.emplace_back(k);
      return get_many(converted);
    } else if constexpr (requires(std::span<const detail::cell> k, detail::record_slots s) {
                           db_->backend_.get_many(*handle_, k, s);
                         }) {
      detail::key_cells cells;
      if constexpr (std::ranges::sized_range<Keys>) cells.reserve(std::ranges::size(keys));
      for (const key_type& k : keys) cells.push_back(detail::key_cell(schema(), k, cells.scratch()));
      std::vector<std::optional<Record>> out(cells.size());
      db_->backend_.get_many(*handle_, cells.cells(),
                             detail::record_slots{&out, [](void* ctx, std::size_t i) -> void* {
                                                    auto& v = *static_cast<std::vector<std::optional<Record>>*>(ctx);
                                                    return &v[i].emplace();
                                                  }});
      return out;
    } else {
      std::vector<std::optional<Record>> out;
      if constexpr (std::ranges::sized_range<Keys>) out.reserve(std::ranges::size(keys));
      for (const key_type& k : keys) {
        std::string scratch;
        detail::cell c = detail::key_cell(schema(), k, scratch);
        auto& r = out.emplace_back(std::in_place);
        if (!db_->backend_.get(*handle_, c, &*r)) r.reset();
      }
      return out;
    }
  }
  std::vector<std::optional<Record>> get_many(std::initializer_list<key_type> keys) const {
    return get_many<std::initializer_list<key_type>>(keys);
  }
  /// Deletes the record with this key; false when there was none.
  bool erase(const key_type& key) {
    std::string scratch;
    return db_->erase(*handle_, detail::key_cell(schema(), key, scratch));
  }

  /// Deletes every record p selects, all or none (one statement on SQL backends); returns how
  /// many it deleted.
  std::uint64_t erase(predicate<Record> p) { return db_->erase_where(*handle_, std::move(p).expr()); }

  /// Sets fields of every record p selects, all or none (one statement on SQL backends), and
  /// returns how many records it selected:
  ///
  ///     runs.update(where<&Run::status> == run_status::running && where<&Run::started> < cutoff,
  ///                 stowage::set<&Run::status>(run_status::failed), stowage::set<&Run::error>("timeout"));
  ///
  /// A unique index that refuses one of the changed records leaves them all as they were
  /// (constraint_error); inside a transaction the transaction goes on, as after any refused write.
  template <class... Changes>
  std::uint64_t update(predicate<Record> p, Changes&&... changes) {
    static_assert(sizeof...(Changes) > 0,
                  "stowage: update(predicate, ...) needs at least one stowage::set<&Record::field>(value)");
    static_assert(
        (std::same_as<std::remove_cvref_t<Changes>, assignment<Record>> && ...),
        "stowage: update(predicate, ...) takes stowage::set<&Record::field>(value) for fields of this table's "
        "record, and an argument is something else (see the types in the requirement)");
    if constexpr (sizeof...(Changes) > 0 && (std::same_as<std::remove_cvref_t<Changes>, assignment<Record>> && ...)) {
      detail::field_change list[] = {std::forward<Changes>(changes).change()...};
      return db_->update_where(*handle_, schema(), std::move(p).expr(), list);
    } else {
      return 0;
    }
  }

  /// Stores many records in one transaction: all of them, or none when one fails.
  template <detail::range_of<Record> Records>
  void put_many(const Records& records) {
    if constexpr (requires(std::span<const void* const> r) { db_->backend_.put_many(*handle_, r); } &&
                  !std::is_lvalue_reference_v<std::ranges::range_reference_t<const Records&>>) {
      // the range makes its records on the fly: keep them while the batch needs them
      std::vector<Record> kept;
      for (auto&& r : records) kept.push_back(std::forward<decltype(r)>(r));
      put_many(kept);
    } else if constexpr (requires(std::span<const void* const> r) { db_->backend_.put_many(*handle_, r); }) {
      std::vector<const void*> pointers;
      if constexpr (std::ranges::sized_range<Records>) pointers.reserve(std::ranges::size(records));
      for (const Record& r : records) pointers.push_back(&r);
      auto lock = db_->guard();
      db_->backend_.put_many(*handle_, std::span<const void* const>(pointers));
    } else {
      auto tx = db_->transaction();
      for (const Record& r : records) write_locked(r, write_mode::upsert);
      tx.commit();
    }
  }

  /// Every record.
  stowage::query<Record, Backend> query() const { return {db_, handle_, detail::query_spec()}; }
  /// The records that satisfy p.
  stowage::query<Record, Backend> query(predicate<Record> p) const {
    return {db_, handle_, detail::query_spec(std::move(p).expr())};
  }

  std::uint64_t count() const { return query().count(); }
  std::uint64_t count(predicate<Record> p) const { return query(std::move(p)).count(); }

  /// The distinct values of a field among every record, or among those p selects, in the order
  /// order_by<Field>() gives: std::nullopt first, then ascending (text bytewise, enums by their
  /// names, as stowage stores them). One GROUP BY statement on SQL backends.
  template <auto Field>
  std::vector<detail::member_type_t<Field>> distinct(std::optional<predicate<Record>> p = std::nullopt) const {
    static_assert(detail::reflected_field<Field>,
                  "stowage: distinct<...>() names a member that is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(std::is_same_v<detail::member_record_t<Field>, Record>,
                  "stowage: distinct<...>() names a field of another record type");
    constexpr std::size_t field = detail::member_index_v<Record, Field>;
    auto groups =
        db_->count_groups(*handle_, p ? detail::query_spec(std::move(*p).expr()) : detail::query_spec(), field);
    std::vector<detail::member_type_t<Field>> out(groups.size());
    if constexpr (std::is_same_v<detail::member_type_t<Field>, bool>) {
      // std::vector<bool> packs its bits: each value is decoded on its own
      for (std::size_t i = 0; i < groups.size(); ++i) {
        bool b = false;
        detail::decode_value(schema(), field, groups[i].v, &b);
        out[i] = b;
      }
    } else if (!out.empty()) {
      detail::decode_groups(schema(), field, groups, out.data(), sizeof(out[0]), nullptr);
    }
    return out;
  }

  /// Each value of a field among every record, or among those p selects, with how many records
  /// hold it, in distinct<Field>()'s order: `for (auto [status, n] : runs.count_by<&Run::status>())`.
  /// One GROUP BY statement on SQL backends.
  template <auto Field>
  std::vector<value_count<detail::member_type_t<Field>>> count_by(
      std::optional<predicate<Record>> p = std::nullopt) const {
    static_assert(detail::reflected_field<Field>,
                  "stowage: count_by<...>() names a member that is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(std::is_same_v<detail::member_record_t<Field>, Record>,
                  "stowage: count_by<...>() names a field of another record type");
    constexpr std::size_t field = detail::member_index_v<Record, Field>;
    auto groups =
        db_->count_groups(*handle_, p ? detail::query_spec(std::move(*p).expr()) : detail::query_spec(), field);
    std::vector<value_count<detail::member_type_t<Field>>> out(groups.size());
    if (!out.empty()) detail::decode_groups(schema(), field, groups, &out[0].value, sizeof(out[0]), &out[0].count);
    return out;
  }
  bool exists(predicate<Record> p) const { return query(std::move(p)).exists(); }

  /// Deletes every record of the table.
  void clear() {
    auto lock = db_->guard();
    db_->backend_.clear(*handle_);
  }

  database<Backend>& db() const noexcept { return *db_; }

 private:
  friend class database<Backend>;
  table(database<Backend>* db, typename Backend::table_handle* h) : db_(db), handle_(h) {}

  void write(const Record& r, write_mode mode) { db_->write(*handle_, schema(), &r, mode); }
  void write_locked(const Record& r, write_mode mode) { db_->write_locked(*handle_, schema(), &r, mode); }
  static const detail::table_schema& schema() { return detail::schema_of<Record>(); }

  database<Backend>* db_;
  typename Backend::table_handle* handle_;
};

/// A store on one backend: database<sqlite> db{"file:app.db"}. Owns the backend, and may be
/// shared by threads: on memory, sqlite and json_dir one lock serializes every operation; on
/// postgres the connection pool lets threads work in parallel. Not copyable or movable: table
/// handles refer to it.
template <class Backend>
class database {
  static_assert(detail::models_backend<Backend>,
                "stowage: this type is not a backend: stowage::backend (stowage/backend/concepts.hpp) requires a "
                "constructor from std::string_view, table_handle, streams, name, open_table, write, get<R>, "
                "erase<R>, select<R>, count, erase_where, update_where, count_groups, clear, begin, "
                "commit and rollback");

 public:
  explicit database(std::string_view url) : backend_(url) {}
  database() requires std::default_initializable<Backend>
  = default;
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// The table of a record type, created (or migrated by adding columns) on first use.
  template <class Record>
  stowage::table<Record, detail::backend_or_stand_in<Backend>> table() {
    if constexpr (!detail::valid_record<Record> || !detail::models_backend<Backend>)
      return {nullptr, nullptr};  // stowage::table<Record, B> or this database has reported the error
    else
      return {this, &handle_for(detail::schema_of<Record>())};
  }

  /// Begins a transaction, or a savepoint inside the current one, at the backend's default
  /// isolation level.
  stowage::transaction<detail::backend_or_stand_in<Backend>> transaction() {
    return stowage::transaction<Backend>(*this, std::nullopt);
  }
  /// Begins a transaction at an isolation level (a savepoint keeps the enclosing one's level).
  stowage::transaction<detail::backend_or_stand_in<Backend>> transaction(isolation level) {
    return stowage::transaction<Backend>(*this, level);
  }

  /// The backend itself, for what stowage does not wrap. Use it under lock() unless the backend
  /// is concurrent (postgres).
  Backend& backend() noexcept { return backend_; }
  reentrant_mutex& lock() noexcept { return mutex_; }

 private:
  template <class, class>
  friend class stowage::table;
  template <class, class>
  friend class stowage::query;
  template <class, class, auto...>
  friend class stowage::projection;
  friend class stowage::transaction<Backend>;

  // What tables and queries do, written once per backend here rather than once per record type
  // in them: the record arrives type-erased, described by its schema.
  using handle = typename Backend::table_handle;

  /// The handle of a record type's table, opened on first use.
  handle& handle_for(const detail::table_schema& schema) {
    auto lock = std::lock_guard(mutex_);  // the handle list, on every backend
    void* h = handles_.find(&schema);
    if (!h) h = handles_.add(&schema, new handle(backend_.open_table(schema)), &delete_handle);
    return *static_cast<handle*>(h);
  }
  static void delete_handle(void* h) { delete static_cast<handle*>(h); }

  void write(handle& h, const detail::table_schema& schema, const void* record, write_mode mode) {
    auto lock = guard();
    write_locked(h, schema, record, mode);
  }
  void write_locked(handle& h, const detail::table_schema& schema, const void* record, write_mode mode) {
    write_result result = backend_.write(h, record, mode);
    if (result != write_result::done) detail::write_refused(schema, record, result);
  }
  bool get(handle& h, const detail::cell& key, void* out) {
    auto lock = guard();
    return backend_.get(h, key, out);
  }
  bool erase(handle& h, const detail::cell& key) {
    auto lock = guard();
    return backend_.erase(h, key);
  }
  std::uint64_t count(handle& h, const detail::query_spec& q) {
    if (q.filter) detail::check_sub_queries(*q.filter, &backend_);
    auto lock = guard();
    return backend_.count(h, q);
  }
  std::uint64_t erase_where(handle& h, detail::expr filter) {
    detail::check_sub_queries(filter, &backend_);
    detail::query_spec q;
    q.filter = std::move(filter);
    auto lock = guard();
    return backend_.erase_where(h, q);
  }
  std::uint64_t update_where(handle& h, const detail::table_schema& schema, detail::expr filter,
                             std::span<const detail::field_change> changes) {
    detail::check_changes(schema, changes);
    detail::check_sub_queries(filter, &backend_);
    detail::query_spec q;
    q.filter = std::move(filter);
    auto lock = guard();
    return backend_.update_where(h, q, changes);
  }
  std::vector<detail::group_count> count_groups(handle& h, const detail::query_spec& q, std::size_t field) {
    if (q.filter) detail::check_sub_queries(*q.filter, &backend_);
    auto lock = guard();
    return backend_.count_groups(h, q, field);
  }
  detail::running_query start(handle& h, const detail::query_spec& q) {
    using cursor = detail::cursor_of<Backend>;
    if (q.filter) detail::check_sub_queries(*q.filter, &backend_);
    auto lock = guard();
    auto* c = new cursor(backend_.select(h, q));
    if constexpr (!Backend::streams) {
      if (lock.owns_lock()) lock.unlock();  // a snapshot: other threads may go on
    }
    return {std::move(lock), c, &next_row, &delete_cursor};
  }
  static bool next_row(void* c, void* out) { return static_cast<detail::cursor_of<Backend>*>(c)->next(out); }
  static void delete_cursor(void* c) { delete static_cast<detail::cursor_of<Backend>*>(c); }

  /// Holds the database's lock, unless the backend is concurrent.
  std::unique_lock<reentrant_mutex> guard() {
    if constexpr (detail::is_concurrent<Backend>())
      return {};
    else
      return std::unique_lock(mutex_);
  }

  /// The calling thread's transaction depth. With one connection only the thread holding the
  /// lock uses it, so there is one for the database.
  unsigned& thread_depth() {
    if constexpr (detail::is_concurrent<Backend>())
      return depth_.of_this_thread();
    else
      return depth_;
  }

  reentrant_mutex mutex_;
  Backend backend_;
  std::conditional_t<detail::is_concurrent<Backend>(), detail::thread_depths, unsigned> depth_{};
  detail::handle_list handles_;
};

/// What stowage::transact does when a transaction loses a race. Set what differs from the
/// defaults: stowage::retry_options().attempts(20).level(stowage::isolation::serializable).
class retry_options {
 public:
  /// Runs in all, the first included (default 10).
  retry_options& attempts(unsigned n) {
    attempts_ = n;
    return *this;
  }
  /// The isolation level of each run (default: the backend's).
  retry_options& level(isolation l) {
    level_ = l;
    return *this;
  }
  /// The first pause between runs (default 0.5 ms); each further one doubles, up to 0.1 s.
  retry_options& backoff(std::chrono::microseconds first) {
    backoff_ = first;
    return *this;
  }
  unsigned attempts() const noexcept { return attempts_; }
  std::optional<isolation> level() const noexcept { return level_; }
  std::chrono::microseconds backoff() const noexcept { return backoff_; }

 private:
  unsigned attempts_ = 10;
  std::optional<isolation> level_;
  std::chrono::microseconds backoff_{500};
};

/// Runs fn in a transaction and commits it. When the transaction loses a race with another
/// (retryable_conflict: a serialization failure or a deadlock) it is rolled back and fn runs
/// again, up to options.attempts() runs in all. Returns what fn returns; any other error ends it.
/// Inside another transaction there is nothing to retry (the race was the outer one's): the
/// conflict goes straight to the caller.
///
///     stowage::transact(db, [&] { auto a = accounts.get("x"); a->balance += 1; accounts.put(*a); });
template <class Backend, class F>
std::invoke_result_t<F&> transact(database<Backend>& db, F&& fn, retry_options options = {}) {
  auto pause = options.backoff();
  for (unsigned attempt = 1;; ++attempt) {
    bool nested = false;
    try {
      auto tx = options.level() ? db.transaction(*options.level()) : db.transaction();
      nested = tx.depth() > 0;
      if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        fn();
        tx.commit();
        return;
      } else {
        decltype(auto) result = fn();  // a reference stays one
        tx.commit();
        return result;
      }
    } catch (const retryable_conflict&) {
      if (nested || attempt >= options.attempts()) throw;
    }
    // between half and all of the current pause, so threads that collided spread out
    auto salt = std::hash<std::thread::id>{}(std::this_thread::get_id()) ^ (attempt * 2654435761u);
    auto half = pause.count() / 2;
    auto jitter = static_cast<long long>(salt % static_cast<std::size_t>(half + 1));
    std::this_thread::sleep_for(std::chrono::microseconds(half + jitter));
    if (pause < std::chrono::milliseconds(100)) pause *= 2;
  }
}

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/store/impl/database.ipp>
#endif
