// What a query asks for, independent of the record type: filter, order, offset and limit, and
// the position a page starts after.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/query/predicate.hpp>

namespace stowage::detail {

struct order_term {
  std::size_t field;
  direction dir;
};

struct query_spec {
  query_spec() = default;
  /// A query of the records that satisfy filter.
  explicit query_spec(expr filter);
  // out of line: copying and destroying the filter tree is compiled once
  query_spec(const query_spec&);
  query_spec(query_spec&&) noexcept;
  query_spec& operator=(const query_spec&);
  query_spec& operator=(query_spec&&) noexcept;
  ~query_spec();

  std::optional<expr> filter;
  std::vector<order_term> order;
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> limit;
  /// Keyset pagination: the stored values of a position, one per order term; the query selects
  /// only the rows strictly after it in its order (NULLs first in ascending order). The order
  /// ends with the key, so a position is one row.
  std::optional<std::vector<value>> after;
  /// What a page token names in place of the filter, when set (query.page_shape(text)): the
  /// description the filter was built from, so that the query built again from it continues the
  /// pages of the first although the filter's values changed in between.
  std::optional<std::string> page_shape;
  /// A projection (query.select<&R::a, &R::b>()): the fields read, in order. When not empty, a
  /// backend's select() reads only these columns, and its cursor's next(out) takes out as a
  /// void* const*, one destination a field (each of its field's type), and decodes only them.
  std::vector<std::size_t> columns;
};

/// bad_input_error when a sub-query of the filter (expr::sub) runs on another backend object
/// than `backend`: its table belongs to another database.
void check_sub_queries(const expr& filter, const void* backend);

}  // namespace stowage::detail

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/query/impl/query_spec.ipp>
#endif
