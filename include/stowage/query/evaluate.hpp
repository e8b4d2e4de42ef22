// Evaluation of predicates over rows of stored values, with SQL's semantics: three-valued logic
// for NULL, bytewise text order, NULLs first in ascending order. The memory backend (and any
// backend that filters in process) uses this; the conformance suite holds it to the SQL ones.
#pragma once

#include <algorithm>
#include <compare>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/query/like.hpp>
#include <stowage/query/query_spec.hpp>

namespace stowage::detail {

enum class truth : std::uint8_t { no, yes, unknown };

/// Orders two non-NULL values of the same column. Text and blobs compare bytewise.
std::strong_ordering compare_values(const value& a, const value& b);

/// Orders values with NULL before everything, as ORDER BY does.
std::strong_ordering compare_for_sort(const value& a, const value& b);

truth evaluate(const expr& e, std::span<const value> row);

/// What a sub-query selects (the values of its field in the records its filter selects), read by
/// a backend that filters in process; ctx is that backend.
using sub_query_reader = std::vector<value> (*)(void* ctx, const sub_query& q);

/// Replaces what each sub-query of e selects (expr::sub) by its values, read with `read`
/// (nested sub-queries are the reader's to resolve), so that evaluate tests membership. A
/// sub-query of another backend object than `backend` is bad_input_error.
void resolve_sub_queries(expr& e, const void* backend, void* ctx, sub_query_reader read);

/// q, or, when its filter holds sub-queries, `scratch` made from q with them resolved.
const query_spec& sub_queries_resolved(const query_spec& q, query_spec& scratch, const void* backend, void* ctx,
                                       sub_query_reader read);

/// Whether a row comes strictly after q.after in q's order (true when q has no after): the
/// seek of a page, in the order compare_for_sort gives.
bool after_position(std::span<const value> row, const query_spec& q);

/// The test of one op::json node on a stored JSON text (nullptr for an absent document); SQLite
/// runs it too, as stowage_json_test.
bool json_test_holds(const std::string_view* document, op test, const std::vector<std::string>& path,
                     const std::vector<json_scalar>& values);

/// Applies a query's filter, order, offset and limit to rows, returning the chosen rows. Rows
/// equal in the order keep the order they came in. With a limit, only the rows up to the
/// offset plus the limit are put in order (a page of a large table sorts a page, not the table).
template <class Row, class Project>
std::vector<const Row*> select_rows(const std::vector<const Row*>& rows, const query_spec& q, Project&& values_of) {
  std::vector<const Row*> out;
  for (const Row* r : rows)
    if ((!q.filter || evaluate(*q.filter, values_of(*r)) == truth::yes) &&
        (!q.after || after_position(values_of(*r), q)))
      out.push_back(r);
  std::size_t first = static_cast<std::size_t>(std::min<std::uint64_t>(q.offset, out.size()));
  std::size_t last = out.size();
  if (q.limit) last = static_cast<std::size_t>(std::min<std::uint64_t>(first + *q.limit, out.size()));
  if (!q.order.empty() && first < last) {
    // positions in `out`, ordered by the query's order, then by position: a total order, so
    // the partial sort gives what a stable sort of everything would
    std::vector<std::size_t> at(out.size());
    for (std::size_t i = 0; i < at.size(); ++i) at[i] = i;
    auto before = [&](std::size_t a, std::size_t b) {
      for (const auto& t : q.order) {
        auto c = compare_for_sort(values_of(*out[a])[t.field], values_of(*out[b])[t.field]);
        if (c != 0) return t.dir == direction::asc ? c < 0 : c > 0;
      }
      return a < b;
    };
    std::partial_sort(at.begin(), at.begin() + static_cast<std::ptrdiff_t>(last), at.end(), before);
    std::vector<const Row*> chosen;
    chosen.reserve(last - first);
    for (std::size_t i = first; i < last; ++i) chosen.push_back(out[at[i]]);
    return chosen;
  }
  return std::vector<const Row*>(out.begin() + static_cast<std::ptrdiff_t>(first),
                                 out.begin() + static_cast<std::ptrdiff_t>(last));
}

}  // namespace stowage::detail

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/query/impl/evaluate.ipp>
#include <stowage/query/impl/json_text.ipp>
#endif
