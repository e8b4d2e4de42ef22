// Vocabulary types for record fields that the standard library does not name directly.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

namespace stowage {

/// Raw bytes; stored as a blob (BLOB, BYTEA, LONGBLOB). Any byte value, NUL included.
using bytes = std::vector<std::byte>;

/// A UTC instant with microsecond resolution, the finest every backend keeps exactly.
/// Any std::chrono::time_point of system_clock is accepted as a field type; finer
/// durations are truncated toward negative infinity to microseconds when stored.
using timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

/// Order direction for query::order_by.
enum class direction { asc, desc };
inline constexpr direction asc = direction::asc;
inline constexpr direction desc = direction::desc;

}  // namespace stowage
