// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE std::strong_ordering compare_values(const value& a, const value& b) {
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

STOWAGE_INLINE std::strong_ordering compare_for_sort(const value& a, const value& b) {
  bool an = a.index() == 0, bn = b.index() == 0;
  if (an || bn) return bn <=> an;
  return compare_values(a, b);
}

STOWAGE_INLINE bool after_position(std::span<const value> row, const query_spec& q) {
  if (!q.after) return true;
  const auto& after = *q.after;
  for (std::size_t i = 0; i < q.order.size() && i < after.size(); ++i) {
    auto c = compare_for_sort(row[q.order[i].field], after[i]);
    if (c != 0) return q.order[i].dir == direction::asc ? c > 0 : c < 0;
  }
  return false;  // the position itself
}

namespace evaluate_detail {
inline bool holds_sub_query(const expr& e) {
  if (e.sub) return true;
  for (const auto& c : e.children)
    if (holds_sub_query(c)) return true;
  return false;
}
}  // namespace evaluate_detail

STOWAGE_INLINE void resolve_sub_queries(expr& e, const void* backend, void* ctx, sub_query_reader read) {
  for (auto& c : e.children) resolve_sub_queries(c, backend, ctx, read);
  if (!e.sub) return;
  check_sub_queries(e, backend);
  e.values = read(ctx, *e.sub);
  auto less = [](const value& a, const value& b) { return compare_for_sort(a, b) < 0; };
  std::sort(e.values.begin(), e.values.end(), less);
  e.values.erase(std::unique(e.values.begin(), e.values.end(),
                             [](const value& a, const value& b) { return compare_for_sort(a, b) == 0; }),
                 e.values.end());
  e.sub.reset();
}

STOWAGE_INLINE const query_spec& sub_queries_resolved(const query_spec& q, query_spec& scratch, const void* backend,
                                                      void* ctx, sub_query_reader read) {
  if (!q.filter || !evaluate_detail::holds_sub_query(*q.filter)) return q;
  scratch = q;
  resolve_sub_queries(*scratch.filter, backend, ctx, read);
  return scratch;
}

STOWAGE_INLINE truth evaluate(const expr& e, std::span<const value> row) {
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
    case op::json: {  // true or false, never unknown: an absent document is a missing path
      const value& doc = row[e.field];
      std::string_view text;
      if (doc.index() == 3) text = std::get<3>(doc);
      return of(json_test_holds(doc.index() == 3 ? &text : nullptr, e.json_test, e.path, e.json_values));
    }
    case op::in:
      if (e.values.empty()) return truth::no;  // as SQL renders it: a constant false
      break;
    case op::in_query: {  // resolved: the values sorted, NULL first (resolve_sub_queries)
      const value& v = row[e.field];
      if (v.index() == 0) return truth::unknown;
      if (std::binary_search(e.values.begin(), e.values.end(), v,
                             [](const value& a, const value& b) { return compare_for_sort(a, b) < 0; }))
        return truth::yes;
      // as SQL has it: not found among values one of which is NULL is unknown
      return !e.values.empty() && e.values.front().index() == 0 ? truth::unknown : truth::no;
    }
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
    case op::contains:
    case op::icontains:
      return of(text_contains(std::get<std::string>(v), std::get<std::string>(e.values[0]), e.kind == op::icontains));
    default: return truth::unknown;
  }
}

}  // namespace stowage::detail
