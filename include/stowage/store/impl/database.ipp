// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage {

STOWAGE_INLINE void reentrant_mutex::lock() {
  auto me = std::this_thread::get_id();
  if (held_by(me)) {
    ++depth_;
    return;
  }
  int free = 0;
  if (!state_.compare_exchange_strong(free, 1, std::memory_order_acquire)) wait_for_it();
  owner_.store(me, std::memory_order_relaxed);
  depth_ = 1;
}
STOWAGE_INLINE bool reentrant_mutex::try_lock() {
  auto me = std::this_thread::get_id();
  if (held_by(me)) {
    ++depth_;
    return true;
  }
  int free = 0;
  if (!state_.compare_exchange_strong(free, 1, std::memory_order_acquire)) return false;
  owner_.store(me, std::memory_order_relaxed);
  depth_ = 1;
  return true;
}
STOWAGE_INLINE void reentrant_mutex::unlock() {
  if (--depth_ != 0) return;
  owner_.store(std::thread::id(), std::memory_order_relaxed);
  if (state_.exchange(0, std::memory_order_release) == 2) wake_one();
}

STOWAGE_INLINE void reentrant_mutex::wait_for_it() {
  while (state_.exchange(2, std::memory_order_acquire) != 0) state_.wait(2, std::memory_order_relaxed);
}

STOWAGE_INLINE void reentrant_mutex::wake_one() { state_.notify_one(); }

namespace detail {

[[noreturn]] STOWAGE_INLINE void write_refused(const table_schema& s, const void* record, write_result r) {
  if (r == write_result::key_exists)
    throw conflict_error("a record with this key exists already", context_of(s, key_of_record(s, record)));
  throw not_found_error("there is no record with this key to update", context_of(s, key_of_record(s, record)));
}

STOWAGE_INLINE running_query::running_query(std::unique_lock<reentrant_mutex> lock, void* cursor, next_fn next,
                                            delete_fn del) noexcept
    : lock_(std::move(lock)), cursor_(cursor), next_(next), delete_(del) {}

STOWAGE_INLINE running_query::running_query(running_query&& o) noexcept
    : lock_(std::move(o.lock_)), cursor_(std::exchange(o.cursor_, nullptr)), next_(o.next_), delete_(o.delete_) {}

STOWAGE_INLINE running_query& running_query::operator=(running_query&& o) noexcept {
  if (this != &o) {
    finish();
    lock_ = std::move(o.lock_);
    cursor_ = std::exchange(o.cursor_, nullptr);
    next_ = o.next_;
    delete_ = o.delete_;
  }
  return *this;
}

STOWAGE_INLINE running_query::~running_query() { finish(); }

STOWAGE_INLINE bool running_query::next(void* out) {
  if (cursor_ && next_(cursor_, out)) return true;
  finish();
  return false;
}

STOWAGE_INLINE void running_query::finish() noexcept {
  // the cursor first: it may read under the lock
  if (cursor_) delete_(std::exchange(cursor_, nullptr));
  if (lock_.owns_lock()) lock_.unlock();
}

struct key_cells::parts {
  std::vector<cell> cells;
  std::deque<std::string> scratch;  // a deque never moves its strings (a short one's bytes live inside it)
};
STOWAGE_INLINE key_cells::key_cells() : parts_(std::make_unique<parts>()) {}
STOWAGE_INLINE key_cells::~key_cells() = default;
STOWAGE_INLINE void key_cells::reserve(std::size_t n) { parts_->cells.reserve(n); }
STOWAGE_INLINE std::string& key_cells::scratch() { return parts_->scratch.emplace_back(); }
STOWAGE_INLINE void key_cells::push_back(const cell& c) { parts_->cells.push_back(c); }
STOWAGE_INLINE std::span<const cell> key_cells::cells() const noexcept { return parts_->cells; }
STOWAGE_INLINE std::size_t key_cells::size() const noexcept { return parts_->cells.size(); }

struct thread_depths::map {
  std::mutex mutex;
  std::unordered_map<std::thread::id, unsigned> depths;
};
STOWAGE_INLINE thread_depths::thread_depths() : map_(std::make_unique<map>()) {}
STOWAGE_INLINE thread_depths::~thread_depths() = default;
STOWAGE_INLINE unsigned& thread_depths::of_this_thread() {
  auto lock = std::lock_guard(map_->mutex);
  return map_->depths[std::this_thread::get_id()];  // a node of its own: the reference stays valid
}

STOWAGE_INLINE handle_list::~handle_list() {
  for (auto& slot : slots_) slot.destroy(slot.handle);
}

STOWAGE_INLINE void* handle_list::find(const table_schema* s) const noexcept {
  for (const auto& slot : slots_)
    if (slot.schema == s) return slot.handle;
  return nullptr;
}

STOWAGE_INLINE void* handle_list::add(const table_schema* s, void* h, void (*destroy)(void*)) {
  try {
    slots_.push_back({s, h, destroy});
  } catch (...) {
    destroy(h);
    throw;
  }
  return h;
}

}  // namespace detail
}  // namespace stowage
