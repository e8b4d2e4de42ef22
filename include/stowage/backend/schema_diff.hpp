// Additive migration, shared by every backend: compare a stored table with a record's schema,
// list the columns to add, and refuse anything else with a message that says what differs.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/record/record.hpp>

namespace stowage::detail {

/// A column as a backend found it in the store.
struct stored_column {
  std::string name;
  column_kind kind;
  bool key = false;
};

/// Kinds that share one stored representation: integer widths, and float widths.
constexpr int kind_family(column_kind k) {
  switch (k) {
    case column_kind::int16:
    case column_kind::int32:
    case column_kind::int64: return 1;
    case column_kind::real32:
    case column_kind::real64: return 2;
    default: return 10 + static_cast<int>(k);
  }
}

struct migration_plan {
  std::vector<std::size_t> added;  // indexes into schema.columns
};

migration_plan plan_migration(const table_schema& s, const std::vector<stored_column>& stored);

}  // namespace stowage::detail

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/backend/impl/schema_diff.ipp>
#endif
