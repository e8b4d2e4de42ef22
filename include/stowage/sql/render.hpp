// Rendering of queries to SQL text, shared by the SQL backends. A dialect says how identifiers
// are quoted and placeholders written; values never enter the text, they are collected as
// parameters in the order the placeholders appear.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/query/query_spec.hpp>

namespace stowage::sql {

/// Appends name as a quoted identifier, doubling the quote character inside it.
void quote_identifier(std::string& out, std::string_view name, char quote = '"');

/// The smallest string greater than every string that starts with p, or empty when none is
/// (p is empty or all 0xFF bytes); lets a prefix test use an index as a range.
std::string prefix_upper_bound(std::string p);

/// The same for a server that accepts only valid UTF-8 text (PostgreSQL): the successor of p's
/// last character replaces it, which is the least valid string above every string starting with
/// p, as byte order is code point order in UTF-8. Empty when there is none; p itself if p is not
/// valid UTF-8 (the server will refuse it with a clear message).
std::string utf8_prefix_upper_bound(std::string p);

/// Builds one statement's text and its parameters.
template <class Dialect>
class builder {
 public:
  explicit builder(const detail::table_schema& s) : schema_(s) {}

  std::string text;
  std::vector<value> params;
  std::vector<column_kind> kinds;  // the kind of column each parameter is compared with or stored in

  builder& raw(std::string_view s) {
    text += s;
    return *this;
  }
  builder& ident(std::string_view name) {
    Dialect::quote(text, name);
    return *this;
  }
  builder& column(std::size_t field) { return ident(schema_.columns[field].name); }
  template <class V>
  builder& param(V&& v, column_kind kind = column_kind::int64) {
    params.emplace_back(std::forward<V>(v));
    kinds.push_back(kind);
    Dialect::placeholder(text, params.size());
    return *this;
  }

  /// "a", "b", "c" for every column of the record.
  builder& column_list() {
    for (std::size_t i = 0; i < schema_.columns.size(); ++i) {
      if (i) text += ", ";
      column(i);
    }
    return *this;
  }

  builder& condition(const detail::expr& e) {
    using detail::op;
    switch (e.kind) {
      case op::and_:
      case op::or_:
        text += '(';
        for (std::size_t i = 0; i < e.children.size(); ++i) {
          if (i) text += e.kind == op::and_ ? " AND " : " OR ";
          condition(e.children[i]);
        }
        text += ')';
        return *this;
      case op::not_:
        text += "(NOT ";
        condition(e.children.front());
        text += ')';
        return *this;
      case op::is_null: return column(e.field).raw(" IS NULL");
      case op::eq: return column(e.field).raw(" = ").param(e.values[0], kind_of(e));
      case op::ne: return column(e.field).raw(" <> ").param(e.values[0], kind_of(e));
      case op::lt: return column(e.field).raw(" < ").param(e.values[0], kind_of(e));
      case op::le: return column(e.field).raw(" <= ").param(e.values[0], kind_of(e));
      case op::gt: return column(e.field).raw(" > ").param(e.values[0], kind_of(e));
      case op::ge: return column(e.field).raw(" >= ").param(e.values[0], kind_of(e));
      case op::in:
        if (e.values.empty()) return raw("(1 = 0)");
        column(e.field).raw(" IN (");
        for (std::size_t i = 0; i < e.values.size(); ++i) {
          if (i) text += ", ";
          param(e.values[i], kind_of(e));
        }
        return raw(")");
      case op::prefix: {
        std::string upper;
        if constexpr (requires { Dialect::utf8_only; })
          upper = utf8_prefix_upper_bound(std::get<std::string>(e.values[0]));
        else
          upper = prefix_upper_bound(std::get<std::string>(e.values[0]));
        text += '(';
        column(e.field).raw(" >= ").param(e.values[0], kind_of(e));
        if (!upper.empty()) raw(" AND ").column(e.field).raw(" < ").param(std::move(upper), kind_of(e));
        return raw(")");
      }
      case op::like:
        // LIKE is bytewise (query/like.hpp), with the backslash as its escape, which both
        // servers take by default. SQLite runs stowage's own matcher as like(); PostgreSQL's
        // LIKE on text takes _ as one character, so it compares the bytes (bytea LIKE), and the
        // pattern goes as bytes, so one that is not UTF-8 is no error
        if constexpr (requires { Dialect::like_on_bytes; }) {
          const auto& p = std::get<std::string>(e.values[0]);
          auto first = reinterpret_cast<const std::byte*>(p.data());
          return raw("convert_to(")
              .column(e.field)
              .raw(", 'UTF8') LIKE ")
              .param(value(bytes(first, first + p.size())), column_kind::blob);
        } else {
          return column(e.field).raw(" LIKE ").param(e.values[0], kind_of(e));
        }
    }
    return *this;
  }

  /// The rows strictly after q.after in q's order, NULLs first in ascending order (a page's
  /// seek). With one direction and no nullable column it is a row-value comparison, (a, b, key)
  /// > (?, ?, ?), which an index on those columns serves as a range; otherwise its expansion,
  /// (a > ?) OR (a = ? AND b > ?) OR ..., each step with the NULL ordering spelt out, behind a
  /// bound on the first column that an index on it can serve.
  builder& seek(const detail::query_spec& q) {
    const auto& after = *q.after;
    const auto& order = q.order;
    bool row_value = true;
    for (const auto& t : order)
      row_value = row_value && t.dir == order.front().dir && !schema_.columns[t.field].nullable;
    if (row_value) {
      const char* op = order.front().dir == direction::asc ? " > " : " < ";
      if (order.size() == 1) return column(order[0].field).raw(op).param(after[0], kind_at(order[0].field));
      text += '(';
      for (std::size_t i = 0; i < order.size(); ++i) {
        if (i) text += ", ";
        column(order[i].field);
      }
      raw(")").raw(op).raw("(");
      for (std::size_t i = 0; i < order.size(); ++i) {
        if (i) text += ", ";
        param(after[i], kind_at(order[i].field));
      }
      return raw(")");
    }
    text += '(';
    const auto& first = order.front();
    if (after[0].index() != 0 && (first.dir == direction::asc || !schema_.columns[first.field].nullable))
      column(first.field)
          .raw(first.dir == direction::asc ? " >= " : " <= ")
          .param(after[0], kind_at(first.field))
          .raw(" AND ");
    text += '(';
    bool any = false;
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (!seek_step_exists(q, i)) continue;
      if (any) text += " OR ";
      any = true;
      text += '(';
      seek_step(q, i);
      text += ')';
    }
    if (!any) text += "1 = 0";
    return raw("))");
  }

  /// The same seek as a UNION ALL of one arm per order term, the deepest first: the rows equal
  /// to the position in the terms before i and after it in term i, each arm ordered and limited
  /// by itself. SQLite serves such an arm with one index range (equalities, then one
  /// inequality), where a row-value comparison or an OR of steps is served by a range on the
  /// first column only, which a page deep among equal values of that column reads through.
  /// `head` is "SELECT <columns> FROM <table>"; the arms come out in their order, each in the
  /// query's order, so the concatenation needs no sort.
  builder& seek_arms(const detail::query_spec& q, std::string_view head) {
    bool any = false;
    for (std::size_t i = q.order.size(); i-- > 0;) {
      if (!seek_step_exists(q, i)) continue;
      if (any) text += " UNION ALL ";
      any = true;
      raw("SELECT * FROM (").raw(head).raw(" WHERE ");
      if (q.filter) raw("(").condition(*q.filter).raw(") AND ");
      seek_step(q, i);
      order_by(q).limit(q).raw(")");
    }
    if (!any) raw(head).raw(" WHERE 1 = 0");
    return limit(q);
  }

  /// WHERE, ORDER BY, LIMIT and OFFSET of a query.
  /// WHERE, ORDER BY, LIMIT and OFFSET of a query.
  builder& clauses(const detail::query_spec& q, bool with_order = true) {
    const bool seeks = q.after && !q.order.empty();
    if constexpr (requires { Dialect::seek_in_arms; }) {
      if (seeks && with_order && !q.offset) {
        std::string head = std::move(text);
        text.clear();
        return seek_arms(q, head);
      }
    }
    if (q.filter && seeks)
      raw(" WHERE (").condition(*q.filter).raw(") AND ").seek(q);
    else if (q.filter)
      raw(" WHERE ").condition(*q.filter);
    else if (seeks)
      raw(" WHERE ").seek(q);
    if (with_order) order_by(q);
    if (q.limit || q.offset) {
      limit(q);
      if (q.offset) raw(" OFFSET ").param(static_cast<std::int64_t>(q.offset));
    }
    return *this;
  }

 private:
  column_kind kind_of(const detail::expr& e) const { return schema_.columns[e.field].kind; }
  column_kind kind_at(std::size_t field) const { return schema_.columns[field].kind; }

  builder& order_by(const detail::query_spec& q) {
    for (std::size_t i = 0; i < q.order.size(); ++i) {
      raw(i ? ", " : " ORDER BY ").column(q.order[i].field);
      raw(q.order[i].dir == direction::asc ? Dialect::asc : Dialect::desc);
    }
    return *this;
  }
  builder& limit(const detail::query_spec& q) {
    return raw(" LIMIT ").param(q.limit ? static_cast<std::int64_t>(*q.limit) : Dialect::no_limit);
  }

  /// Whether any row can follow the position in term i with the terms before it equal: none
  /// follows NULL in descending order, where NULLs come last.
  static bool seek_step_exists(const detail::query_spec& q, std::size_t i) {
    return q.order[i].dir == direction::asc || (*q.after)[i].index() != 0;
  }
  /// The rows equal to the position in the terms before i and after it in term i.
  void seek_step(const detail::query_spec& q, std::size_t i) {
    const auto& after = *q.after;
    for (std::size_t j = 0; j < i; ++j) {
      if (after[j].index() == 0)
        column(q.order[j].field).raw(" IS NULL AND ");
      else
        column(q.order[j].field).raw(" = ").param(after[j], kind_at(q.order[j].field)).raw(" AND ");
    }
    const std::size_t f = q.order[i].field;
    if (after[i].index() == 0)
      column(f).raw(" IS NOT NULL");  // ascending: every value follows NULL
    else if (q.order[i].dir == direction::asc)
      column(f).raw(" > ").param(after[i], kind_at(f));
    else if (schema_.columns[f].nullable)
      raw("(").column(f).raw(" < ").param(after[i], kind_at(f)).raw(" OR ").column(f).raw(" IS NULL)");
    else
      column(f).raw(" < ").param(after[i], kind_at(f));
  }

  const detail::table_schema& schema_;
};

}  // namespace stowage::sql

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/sql/impl/render.ipp>
#endif
