// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage {

STOWAGE_INLINE void reentrant_mutex::wait_for_it() {
  while (state_.exchange(2, std::memory_order_acquire) != 0) state_.wait(2, std::memory_order_relaxed);
}

namespace detail {

[[noreturn]] STOWAGE_INLINE void write_refused(const table_schema& s, const void* record, write_result r) {
  if (r == write_result::key_exists)
    throw conflict_error("a record with this key exists already", context_of(s, key_of_record(s, record)));
  throw not_found_error("there is no record with this key to update", context_of(s, key_of_record(s, record)));
}

}  // namespace detail
}  // namespace stowage
