// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE migration_plan plan_migration(const table_schema& s, const std::vector<stored_column>& stored) {
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
