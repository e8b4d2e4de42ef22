// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE row_cursor::row_cursor(const table_schema& s, std::vector<std::vector<value>> rows)
    : schema_(&s), rows_(std::move(rows)) {}
STOWAGE_INLINE row_cursor::row_cursor(row_cursor&&) noexcept = default;
STOWAGE_INLINE row_cursor& row_cursor::operator=(row_cursor&&) noexcept = default;
STOWAGE_INLINE row_cursor::~row_cursor() = default;

STOWAGE_INLINE bool row_cursor::next(void* out) {
  if (pos_ == rows_.size()) return false;
  decode_row(*schema_, rows_[pos_++], out);
  return true;
}

}  // namespace stowage::detail
