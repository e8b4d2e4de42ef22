// Additive migration, shared by every backend: compare a stored table with a record's schema,
// list the columns to add, and refuse anything else with a message that says what differs.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

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

inline migration_plan plan_migration(const table_schema& s, const std::vector<stored_column>& stored) {
  std::vector<std::string> problems;
  for (const auto& sc : stored) {
    auto it = std::find_if(s.columns.begin(), s.columns.end(), [&](auto& c) { return c.name == sc.name; });
    if (it == s.columns.end()) {
      problems.push_back("the stored column '" + sc.name +
                         "' is not a field of the record (stowage never drops data: " +
                         "add the field back, or migrate the table yourself)");
      continue;
    }
    if (kind_family(it->kind) != kind_family(sc.kind))
      problems.push_back("the field '" + sc.name + "' is " + std::string(to_string(it->kind)) +
                         " but the stored column is " + std::string(to_string(sc.kind)));
    bool is_key = static_cast<std::size_t>(it - s.columns.begin()) == s.key;
    if (sc.key != is_key)
      problems.push_back("the key is stored in column '" + std::string(sc.key ? sc.name : "?") +
                         "' but the record's key is '" + std::string(s.key_name()) + "'");
  }
  migration_plan plan;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    bool present = std::any_of(stored.begin(), stored.end(), [&](auto& sc) { return sc.name == s.columns[i].name; });
    if (!present) {
      if (i == s.key)
        problems.push_back("the key field '" + std::string(s.columns[i].name) + "' is not stored");
      else
        plan.added.push_back(i);
    }
  }
  if (!problems.empty()) {
    std::string msg = "the stored table differs from the record and cannot be migrated by adding columns: ";
    for (std::size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    throw schema_error(msg, error_context{std::string(s.record), std::string(s.table), {}, {}});
  }
  return plan;
}

}  // namespace stowage::detail
