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
      case op::contains:
      case op::icontains:
        // SQLite runs stowage's own test (query/like.hpp) on the bytes; PostgreSQL's text is
        // compared in the "C" collation, whose lower() folds ASCII letters only, as
        // text_contains does
        if constexpr (requires { Dialect::like_on_bytes; }) {
          if (e.kind == op::contains)
            return raw("(strpos(").column(e.field).raw(", ").param(e.values[0], kind_of(e)).raw(") > 0)");
          return raw("(strpos(lower(")
              .column(e.field)
              .raw("), lower(")
              .param(e.values[0], kind_of(e))
              .raw(" COLLATE \"C\")) > 0)");
        } else {
          return raw("stowage_contains(")
              .column(e.field)
              .raw(", ")
              .param(e.values[0], kind_of(e))
              .raw(e.kind == op::icontains ? ", 1)" : ", 0)");
        }
    }
    return *this;
  }

  /// WHERE, ORDER BY, LIMIT and OFFSET of a query.
  builder& clauses(const detail::query_spec& q, bool with_order = true) {
    if (q.filter) raw(" WHERE ").condition(*q.filter);
    if (with_order && !q.order.empty()) {
      raw(" ORDER BY ");
      for (std::size_t i = 0; i < q.order.size(); ++i) {
        if (i) text += ", ";
        column(q.order[i].field);
        raw(q.order[i].dir == direction::asc ? Dialect::asc : Dialect::desc);
      }
    }
    if (q.limit || q.offset) {
      raw(" LIMIT ").param(q.limit ? static_cast<std::int64_t>(*q.limit) : Dialect::no_limit);
      if (q.offset) raw(" OFFSET ").param(static_cast<std::int64_t>(q.offset));
    }
    return *this;
  }

 private:
  column_kind kind_of(const detail::expr& e) const { return schema_.columns[e.field].kind; }

  const detail::table_schema& schema_;
};

}  // namespace stowage::sql

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/sql/impl/render.ipp>
#endif
