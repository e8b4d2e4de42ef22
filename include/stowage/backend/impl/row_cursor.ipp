// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE row_cursor::row_cursor(const table_schema& s, std::vector<std::vector<value>> rows,
                                      std::vector<std::size_t> columns)
    : schema_(&s), rows_(std::move(rows)), columns_(std::move(columns)) {}
STOWAGE_INLINE row_cursor::row_cursor(row_cursor&&) noexcept = default;
STOWAGE_INLINE row_cursor& row_cursor::operator=(row_cursor&&) noexcept = default;
STOWAGE_INLINE row_cursor::~row_cursor() = default;

STOWAGE_INLINE bool row_cursor::next(void* out) {
  if (pos_ == rows_.size()) return false;
  const auto& row = rows_[pos_++];
  if (columns_.empty())
    decode_row(*schema_, row, out);
  else
    decode_values(*schema_, columns_, row.data(), static_cast<void* const*>(out));
  return true;
}

}  // namespace stowage::detail
