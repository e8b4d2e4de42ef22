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
