// Evaluation of predicates over rows of stored values, with SQL's semantics: three-valued logic
// for NULL, bytewise text order, NULLs first in ascending order. The memory backend (and any
// backend that filters in process) uses this; the conformance suite holds it to the SQL ones.
#pragma once

#include <algorithm>
#include <compare>
#include <cstring>
#include <string_view>
#include <vector>

#include <stowage/query/like.hpp>
#include <stowage/query/query_spec.hpp>

namespace stowage::detail {

enum class truth : std::uint8_t { no, yes, unknown };

/// Orders two non-NULL values of the same column. Text and blobs compare bytewise.
inline std::strong_ordering compare_values(const value& a, const value& b) {
  if (a.index() != b.index()) return a.index() <=> b.index();
  switch (a.index()) {
    case 1: return std::get<1>(a) <=> std::get<1>(b);
    case 2: {
      double x = std::get<2>(a), y = std::get<2>(b);
      return x < y ? std::strong_ordering::less : y < x ? std::strong_ordering::greater : std::strong_ordering::equal;
    }
    case 3: {
      std::string_view x = std::get<3>(a), y = std::get<3>(b);
      return x.compare(y) <=> 0;
    }
    case 4: {
      const auto& x = std::get<4>(a);
      const auto& y = std::get<4>(b);
      return std::lexicographical_compare_three_way(x.begin(), x.end(), y.begin(), y.end());
    }
    default: return std::strong_ordering::equal;
  }
}

/// Orders values with NULL before everything, as ORDER BY does.
inline std::strong_ordering compare_for_sort(const value& a, const value& b) {
  bool an = a.index() == 0, bn = b.index() == 0;
  if (an || bn) return bn <=> an;
  return compare_values(a, b);
}

inline truth evaluate(const expr& e, const std::vector<value>& row) {
  auto of = [](bool b) { return b ? truth::yes : truth::no; };
  switch (e.kind) {
    case op::and_: {
      truth r = truth::yes;
      for (const auto& c : e.children) {
        truth t = evaluate(c, row);
        if (t == truth::no) return truth::no;
        if (t == truth::unknown) r = truth::unknown;
      }
      return r;
    }
    case op::or_: {
      truth r = truth::no;
      for (const auto& c : e.children) {
        truth t = evaluate(c, row);
        if (t == truth::yes) return truth::yes;
        if (t == truth::unknown) r = truth::unknown;
      }
      return r;
    }
    case op::not_: {
      truth t = evaluate(e.children.front(), row);
      return t == truth::unknown ? t : of(t == truth::no);
    }
    case op::is_null: return of(row[e.field].index() == 0);
    case op::in:
      if (e.values.empty()) return truth::no;  // as SQL renders it: a constant false
      break;
    default: break;
  }
  const value& v = row[e.field];
  if (v.index() == 0) return truth::unknown;
  switch (e.kind) {
    case op::eq: return of(compare_values(v, e.values[0]) == 0);
    case op::ne: return of(compare_values(v, e.values[0]) != 0);
    case op::lt: return of(compare_values(v, e.values[0]) < 0);
    case op::le: return of(compare_values(v, e.values[0]) <= 0);
    case op::gt: return of(compare_values(v, e.values[0]) > 0);
    case op::ge: return of(compare_values(v, e.values[0]) >= 0);
    case op::in:
      return of(
          std::any_of(e.values.begin(), e.values.end(), [&](const value& x) { return compare_values(v, x) == 0; }));
    case op::prefix: return of(std::get<std::string>(v).starts_with(std::get<std::string>(e.values[0])));
    case op::like: return of(like_match(std::get<std::string>(v), std::get<std::string>(e.values[0])));
    default: return truth::unknown;
  }
}

/// Applies a query's filter, order, offset and limit to rows, returning the chosen rows.
template <class Row, class Project>
std::vector<const Row*> select_rows(const std::vector<const Row*>& rows, const query_spec& q, Project&& values_of) {
  std::vector<const Row*> out;
  for (const Row* r : rows)
    if (!q.filter || evaluate(*q.filter, values_of(*r)) == truth::yes) out.push_back(r);
  if (!q.order.empty()) {
    std::stable_sort(out.begin(), out.end(), [&](const Row* a, const Row* b) {
      for (const auto& t : q.order) {
        auto c = compare_for_sort(values_of(*a)[t.field], values_of(*b)[t.field]);
        if (c != 0) return t.dir == direction::asc ? c < 0 : c > 0;
      }
      return false;
    });
  }
  std::size_t first = static_cast<std::size_t>(std::min<std::uint64_t>(q.offset, out.size()));
  std::size_t last = out.size();
  if (q.limit) last = static_cast<std::size_t>(std::min<std::uint64_t>(first + *q.limit, out.size()));
  return std::vector<const Row*>(out.begin() + static_cast<std::ptrdiff_t>(first),
                                 out.begin() + static_cast<std::ptrdiff_t>(last));
}

}  // namespace stowage::detail
