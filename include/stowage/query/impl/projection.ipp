// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE std::vector<group_count> count_values(std::vector<value> values) {
  std::sort(values.begin(), values.end(), [](const value& a, const value& b) { return compare_for_sort(a, b) < 0; });
  std::vector<group_count> out;
  for (auto& v : values) {
    if (!out.empty() && compare_for_sort(out.back().v, v) == 0)
      ++out.back().n;
    else
      out.push_back({std::move(v), 1});
  }
  return out;
}

STOWAGE_INLINE void decode_value(const table_schema& s, std::size_t field, const value& v, void* out) {
  try {
    s.columns[field].codec->decode(out, cell_of(v));
  } catch (...) {
    field_failed(s, field, key_ref{});
  }
}

STOWAGE_INLINE void decode_cell(const table_schema& s, std::size_t field, const cell& c, void* out) {
  try {
    s.columns[field].codec->decode(out, c);
  } catch (...) {
    field_failed(s, field, key_ref{});
  }
}

STOWAGE_INLINE void decode_groups(const table_schema& s, std::size_t field, const std::vector<group_count>& groups,
                                  void* first, std::size_t stride, std::uint64_t* counts) {
  auto* at = static_cast<char*>(first);
  auto* count = reinterpret_cast<char*>(counts);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    decode_value(s, field, groups[i].v, at + i * stride);
    if (count) *reinterpret_cast<std::uint64_t*>(count + i * stride) = groups[i].n;
  }
}

STOWAGE_INLINE void decode_values(const table_schema& s, std::span<const std::size_t> fields, const value* row,
                                  void* const* out) {
  for (std::size_t i = 0; i < fields.size(); ++i) decode_value(s, fields[i], row[i], out[i]);
}

}  // namespace stowage::detail
