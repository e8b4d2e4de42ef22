// Rendering of queries to SQL text, shared by the SQL backends. A dialect says how identifiers
// are quoted and placeholders written; values never enter the text, they are collected as
// parameters in the order the placeholders appear.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/query/query_spec.hpp>

namespace stowage::sql {

/// Appends name as a quoted identifier, doubling the quote character inside it.
void quote_identifier(std::string& out, std::string_view name, char quote = '"');

/// Appends s as a string literal, doubling the single quotes inside it (for schema text only:
/// values are parameters).
void quote_literal(std::string& out, std::string_view s);

/// The smallest string greater than every string that starts with p, or empty when none is
/// (p is empty or all 0xFF bytes); lets a prefix test use an index as a range.
std::string prefix_upper_bound(std::string p);

/// The same for a server that accepts only valid UTF-8 text (PostgreSQL): the successor of p's
/// last character replaces it, which is the least valid string above every string starting with
/// p, as byte order is code point order in UTF-8. Empty when there is none; p itself if p is not
/// valid UTF-8 (the server will refuse it with a clear message).
std::string utf8_prefix_upper_bound(std::string p);

/// The SQLite JSON path of a pointer whose tokens are members' names ($."a"."b"), as a
/// json_index declares one. Names are quoted and escaped as stowage's JSON text escapes them,
/// which SQLite compares against. (A token that could be an array index has two readings, [n] on
/// an array and a name on an object, which one SQLite path cannot say: such paths are tested by
/// stowage_json_test.)
std::string sqlite_json_path(const std::vector<std::string>& tokens);

/// A JSON-path test as the one parameter of SQLite's stowage_json_test(document, spec): the
/// test, the path's tokens and the values, each length-prefixed, as any byte may be in a name.
std::string json_test_spec(detail::op test, const std::vector<std::string>& path,
                           const std::vector<detail::json_scalar>& values);

/// The test a json_test_spec describes; false when the text is none.
bool read_json_test_spec(std::string_view spec, detail::op& test, std::vector<std::string>& path,
                         std::vector<detail::json_scalar>& values);

/// The first `count` tokens as a PostgreSQL text[] literal, {"a","b"} (a parameter's text, or
/// quoted in a json_index's expression).
std::string pg_text_array(const std::vector<std::string>& tokens, std::size_t count);

/// Whether PostgreSQL's #> would take a token as an array index that JSON Pointer does not
/// (a sign, leading zeros or spaces: "-1", "01"); on an array the path then leads nowhere.
bool pg_loose_index(std::string_view token);

/// A JSON scalar as JSON text.
std::string json_literal(const detail::json_scalar& v);

/// Builds one statement's text and its parameters.
template <class Dialect>
class builder {
 public:
  explicit builder(const detail::table_schema& s) : schema_(&s) {}

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
  builder& column(std::size_t field) { return ident(schema_->columns[field].name); }
  template <class V>
  builder& param(V&& v, column_kind kind = column_kind::int64) {
    push_param(value(std::forward<V>(v)), kind);
    Dialect::placeholder(text, params.size());
    return *this;
  }

  /// "a", "b", "c" for every column of the record.
  builder& column_list() {
    for (std::size_t i = 0; i < schema_->columns.size(); ++i) {
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
      case op::in_query: {
        // the sub-query's columns are its table's: rendered against its schema, its values
        // collected as parameters in order with the others
        const detail::sub_query& q = *e.sub;
        column(e.field).raw(" IN (SELECT ");
        const detail::table_schema* outer = std::exchange(schema_, q.schema);
        column(q.column).raw(" FROM ").ident(schema_->table);
        if (q.filter) raw(" WHERE ").condition(*q.filter);
        schema_ = outer;
        return raw(")");
      }
      case op::json:
        if constexpr (requires { Dialect::jsonb; })
          return pg_json(e);
        else
          return sqlite_json(e);
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
      row_value = row_value && t.dir == order.front().dir && !schema_->columns[t.field].nullable;
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
    if (after[0].index() != 0 && (first.dir == direction::asc || !schema_->columns[first.field].nullable))
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
  /// `head` is "SELECT <columns> FROM <table>". The arms' ranges follow one another in the
  /// query's order, but SQL does not promise that a UNION ALL yields its arms in the order
  /// written: the union is sorted again, which costs a sort of at most (order terms) x (page
  /// size + 1) rows.
  builder& seek_arms(const detail::query_spec& q, std::string_view head) {
    bool any = false;
    raw("SELECT * FROM (");
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
    raw(")");
    return order_by(q).limit(q);
  }

  /// What a json_index indexes: the value at its path, written as the queries on that path write
  /// it so that the index serves them. The path is the program's own (from record_traits), and
  /// is quoted as a string literal.
  builder& json_index_expression(const detail::index_def& ix) {
    if constexpr (requires { Dialect::jsonb; })
      return raw("(").column(ix.columns[0]).raw(" #> ").json_path_literal(ix.json_path).raw(")");
    else
      return raw("json_extract(").column(ix.columns[0]).raw(", ").json_path_literal(ix.json_path).raw(")");
  }

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
  // Out of line: inlined into each caller, a value's move made g++ -O3 warn falsely that the
  // temporary's variant member may be used uninitialized.
  [[gnu::noinline]] void push_param(value&& v, column_kind kind) {
    params.push_back(std::move(v));
    kinds.push_back(kind);
  }

  column_kind kind_of(const detail::expr& e) const { return schema_->columns[e.field].kind; }
  column_kind kind_at(std::size_t field) const { return schema_->columns[field].kind; }

  builder& order_by(const detail::query_spec& q) {
    for (std::size_t i = 0; i < q.order.size(); ++i) {
      const std::size_t f = q.order[i].field;
      raw(i ? ", " : " ORDER BY ").column(f);
      // where a column holds no NULLs their place goes unsaid: PostgreSQL serves an ORDER BY
      // from an index only when it names the index's NULLS order, which is not stowage's
      if (schema_->columns[f].nullable)
        raw(q.order[i].dir == direction::asc ? Dialect::asc : Dialect::desc);
      else
        raw(q.order[i].dir == direction::asc ? " ASC" : " DESC");
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
    else if (schema_->columns[f].nullable)
      raw("(").column(f).raw(" < ").param(after[i], kind_at(f)).raw(" OR ").column(f).raw(" IS NULL)");
    else
      column(f).raw(" < ").param(after[i], kind_at(f));
  }

  // Tests inside JSON fields (query/json_path.hpp). Each renders to an expression that is never
  // NULL, so that NOT negates it exactly. Values are parameters, and so is the path, unless a
  // json_index declares it (see json_indexed); on SQLite an undeclared path and its values are
  // one parameter of stowage_json_test.

  static std::string_view sqlite_type_of(const detail::json_scalar& v) {
    switch (v.index()) {
      case 0: return "'null'";
      case 1: return std::get<1>(v) ? "'true'" : "'false'";
      case 4: return "'text'";
      default: return "'integer', 'real'";
    }
  }
  static value param_of(const detail::json_scalar& v) {
    if (v.index() == 2) return value(std::get<2>(v));
    if (v.index() == 3) return value(std::get<3>(v));
    return value(std::get<4>(v));
  }
  static column_kind param_kind(const detail::json_scalar& v) {
    return v.index() == 2 ? column_kind::int64 : v.index() == 3 ? column_kind::real64 : column_kind::text;
  }

  // Whether a json_index covers this path of the field: the path is then written as the index
  // writes it (a literal of the program's own text), else it is a parameter
  bool json_indexed(std::size_t field, const std::vector<std::string>& path) const {
    for (const auto& ix : schema_->indexes)
      if (ix.json && ix.columns[0] == field && ix.json_path == path) return true;
    return false;
  }
  builder& json_path_literal(const std::vector<std::string>& path) {
    if constexpr (requires { Dialect::jsonb; }) {
      quote_literal(text, pg_text_array(path, path.size()));
      return raw("::text[]");
    } else {
      quote_literal(text, sqlite_json_path(path));
      return *this;
    }
  }

  // On SQLite, a path a json_index declares (names only) is read with json_extract and the
  // index's own path text, so that the index serves the test; any other path is tested by
  // stowage's evaluator (query/json_path.hpp) on the stored text, registered as
  // stowage_json_test, so that its meaning is the one memory and json_dir give by construction
  // and a token that may be an array index or a name costs nothing more.
  builder& sqlite_json(const detail::expr& e) {
    if (!json_indexed(e.field, e.path) || !std::all_of(e.json_values.begin(), e.json_values.end(), sqlite_exact)) {
      std::string spec = json_test_spec(e.json_test, e.path, e.json_values);
      auto first = reinterpret_cast<const std::byte*>(spec.data());
      return raw("stowage_json_test(")
          .column(e.field)
          .raw(", ")
          .param(value(bytes(first, first + spec.size())), column_kind::blob)
          .raw(")");
    }
    using detail::op;
    switch (e.json_test) {
      case op::is_null:
        return raw("(json_type(").column(e.field).raw(", ").json_path_literal(e.path).raw(") IS NOT NULL)");
      case op::ne: return raw("(NOT ").sqlite_compare(e, op::eq, e.json_values[0]).raw(")");
      case op::in:
        if (e.json_values.empty()) return raw("(1 = 0)");
        raw("(");
        for (std::size_t i = 0; i < e.json_values.size(); ++i) {
          if (i) raw(" OR ");
          sqlite_compare(e, op::eq, e.json_values[i]);
        }
        return raw(")");
      default: return sqlite_compare(e, e.json_test, e.json_values[0]);
    }
  }
  // Whether json_extract's reading compares with v as stowage's exact decimal comparison does:
  // it reads a number beyond the int64 range, or with a fraction, as a double, which is exact
  // enough only while v is within 2^53 (else the shared evaluator tests it, without the index)
  static bool sqlite_exact(const detail::json_scalar& v) {
    constexpr double bound = 9007199254740992.0;  // 2^53
    if (v.index() == 5) return false;
    if (v.index() == 2) return std::get<2>(v) >= -(std::int64_t{1} << 53) && std::get<2>(v) <= (std::int64_t{1} << 53);
    if (v.index() == 3) return std::get<3>(v) > -bound && std::get<3>(v) < bound;
    return true;
  }
  // IFNULL(json_type(col, path), 'null'): the JSON type at the path, 'null' where it leads nowhere
  builder& sqlite_type(const detail::expr& e) {
    return raw("IFNULL(json_type(").column(e.field).raw(", ").json_path_literal(e.path).raw("), 'null')");
  }
  // the value compared with v: json_type keeps numbers, text and booleans apart
  builder& sqlite_compare(const detail::expr& e, detail::op o, const detail::json_scalar& v) {
    using detail::op;
    bool ordering = o != op::eq;
    if (v.index() <= 1) {
      if (ordering) return raw("(1 = 0)");  // booleans and null are not ordered
      return raw("(").sqlite_type(e).raw(" = ").raw(sqlite_type_of(v)).raw(")");
    }
    raw("(").sqlite_type(e).raw(v.index() == 4 ? " = " : " IN (").raw(sqlite_type_of(v));
    if (v.index() != 4) raw(")");
    raw(" AND json_extract(").column(e.field).raw(", ").json_path_literal(e.path).raw(")");
    raw(o == op::eq ? " = " : o == op::lt ? " < " : o == op::le ? " <= " : o == op::gt ? " > " : " >= ");
    return param(param_of(v), param_kind(v)).raw(")");
  }

  // (col #> path): the jsonb value at the path, SQL NULL where it leads nowhere; a token #> would
  // read as an index and JSON Pointer would not must not step into an array
  builder& pg_value(const detail::expr& e, std::string_view op = " #> ") {
    bool guarded = false;
    for (std::size_t i = 0; i < e.path.size(); ++i) {
      if (!pg_loose_index(e.path[i])) continue;
      raw(guarded ? " AND " : "(CASE WHEN ");
      guarded = true;
      raw("COALESCE(jsonb_typeof(").column(e.field).raw(" #> ");
      param(value(pg_text_array(e.path, i)), column_kind::text).raw("::text[]), '') <> 'array'");
    }
    if (guarded) raw(" THEN ");
    raw("(").column(e.field).raw(op);
    if (json_indexed(e.field, e.path))
      json_path_literal(e.path);
    else
      param(value(pg_text_array(e.path, e.path.size())), column_kind::text).raw("::text[]");
    raw(")");
    return guarded ? raw(" END)") : *this;
  }
  builder& pg_compare(const detail::expr& e, detail::op o, const detail::json_scalar& v) {
    using detail::op;
    raw("(COALESCE(jsonb_typeof(").pg_value(e).raw("), 'null') = ");
    static constexpr std::string_view kinds[] = {"'null'", "'boolean'", "'number'", "'number'", "'string'", "'number'"};
    raw(kinds[v.index()]);
    if (v.index() == 0) return raw(o == op::eq ? ")" : " AND 1 = 0)");
    if (v.index() == 1 && o != op::eq) return raw(" AND 1 = 0)");
    std::string_view cmp = o == op::eq   ? " = "
                           : o == op::lt ? " < "
                           : o == op::le ? " <= "
                           : o == op::gt ? " > "
                                         : " >= ";
    if (v.index() == 4 && o != op::eq) {  // jsonb orders strings by collation; stowage orders bytes
      raw(" AND ").pg_value(e, " #>> ").raw(" COLLATE \"C\"").raw(cmp);
      return param(value(std::get<4>(v)), column_kind::text).raw(")");
    }
    // jsonb compares numbers numerically and strings and booleans exactly; a string goes as text,
    // checked as text values are (no NUL, valid UTF-8)
    raw(" AND ").pg_value(e).raw(cmp);
    if (v.index() == 4) return raw("to_jsonb(").param(value(std::get<4>(v)), column_kind::text).raw("::text))");
    return param(value(json_literal(v)), column_kind::json).raw(")");
  }
  builder& pg_json(const detail::expr& e) {
    using detail::op;
    switch (e.json_test) {
      case op::is_null: return raw("(").pg_value(e).raw(" IS NOT NULL)");
      case op::ne: return raw("(NOT ").pg_compare(e, op::eq, e.json_values[0]).raw(")");
      case op::in:
        if (e.json_values.empty()) return raw("(1 = 0)");
        raw("(");
        for (std::size_t i = 0; i < e.json_values.size(); ++i) {
          if (i) raw(" OR ");
          pg_compare(e, op::eq, e.json_values[i]);
        }
        return raw(")");
      default: return pg_compare(e, e.json_test, e.json_values[0]);
    }
  }

  const detail::table_schema* schema_;  // another table's while a sub-query is rendered
};

}  // namespace stowage::sql

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/sql/impl/render.ipp>
#endif
