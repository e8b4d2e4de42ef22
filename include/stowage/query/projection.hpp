// The type-independent half of projections and counts by group: what a backend returns for
// query.select<...>(), table.distinct<...>() and table.count_by<...>() (rows of stored values,
// stored values with their counts), and the plain functions that read those values into fields.
// The typed half (store/database.hpp) only says which fields, and where their values go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/query/evaluate.hpp>
#include <stowage/record/record.hpp>

namespace stowage::detail {

/// One stored value of a field and how many selected records hold it.
struct group_count {
  value v;
  std::uint64_t n = 0;
};

/// Counts equal values, in the order ORDER BY gives (NULL first, then ascending): for backends
/// that filter in process.
std::vector<group_count> count_values(std::vector<value> values);

/// Reads a stored value into a variable of the type of the schema's field `field` (at `out`);
/// a value the type cannot hold is the error decode_field would give, naming record and field.
void decode_value(const table_schema& s, std::size_t field, const value& v, void* out);

/// Reads each group's value into the variable at first + i * stride (bytes; of the type of the
/// schema's field `field`) and, when counts is not null, its count into the std::uint64_t at
/// counts + i * stride: the loop of distinct and count_by, compiled once.
void decode_groups(const table_schema& s, std::size_t field, const std::vector<group_count>& groups, void* first,
                   std::size_t stride, std::uint64_t* counts);

/// Reads one row of stored values (row[i] of fields[i]) into out[i]: a projection's row.
void decode_values(const table_schema& s, std::span<const std::size_t> fields, const value* row, void* const* out);

/// Reads a cell of the column of field `field` into out, as decode_value does.
void decode_cell(const table_schema& s, std::size_t field, const cell& c, void* out);

}  // namespace stowage::detail

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/query/impl/projection.ipp>
#endif
