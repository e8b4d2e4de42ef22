// Typed predicates over a record's fields: where<&Event::schema> == "order.created".
// Each comparison is checked at compile time against the field's type, then kept as a small
// expression tree of stored values that every backend renders (SQL) or evaluates (memory).
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/query/json_path.hpp>
#include <stowage/query/like.hpp>
#include <stowage/record/record.hpp>

namespace stowage {
namespace detail {

enum class op : std::uint8_t {
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  in,
  prefix,
  like,
  contains,   // the text holds the value's bytes
  icontains,  // the same, ASCII letters compared without case
  is_null,
  and_,
  or_,
  not_,
  json,     // a test of the value at a JSON path (query/json_path.hpp)
  in_query  // the field equals a value another table's query selects (expr::sub)
};

struct sub_query;

/// A node of a predicate: a comparison of one field with values, or a combination of nodes.
struct expr {
  // the special members are out of line: a filter tree is copied and destroyed by code compiled
  // once, not expanded in every function that builds a predicate
  expr() = default;
  expr(op o, std::size_t f, std::vector<value> v, std::vector<expr> c);
  expr(const expr&);
  expr(expr&&) noexcept;
  expr& operator=(const expr&);
  expr& operator=(expr&&) noexcept;
  ~expr();

  op kind = op::eq;
  std::size_t field = 0;
  std::vector<value> values;
  std::vector<expr> children;
  // op::json, a test inside a JSON field (query/json_path.hpp): the pointer's tokens, the test
  // (eq, ne, lt, le, gt, ge, in, or is_null for exists()) and the values
  std::vector<std::string> path;
  std::vector<json_scalar> json_values;
  op json_test = op::eq;
  // op::in_query: the query whose values the field is tested against; shared, as it is never
  // changed once built. A backend that filters in process resolves it (resolve_sub_queries):
  // values then holds what it selects, sorted, NULL first, and sub is reset.
  std::shared_ptr<const sub_query> sub;
};

/// A query of another table as an operand of in(): its table, the one field it selects and its
/// filter. `backend` and `handle` are the backend object and the table handle (of the
/// database<B> the query came from) it runs on: a backend refuses a sub-query of another one.
struct sub_query {
  const table_schema* schema = nullptr;
  std::size_t column = 0;
  std::optional<expr> filter;
  const void* backend = nullptr;
  void* handle = nullptr;
};

/// The nodes predicates are built from, made by plain functions so that a record type's
/// predicates do not each compile the copying of values and nodes.
expr comparison(op o, std::size_t field, value v);
expr comparison(op o, std::size_t field, std::vector<value> values);
expr combination(op o, expr a, expr b);
expr negation(expr a);
expr null_test(std::size_t field);
value text_value(std::string_view s);
/// A comparison with one text or integer value, made without expanding the value's variant in
/// the caller (most predicates compare a text or an integer field).
expr text_comparison(op o, std::size_t field, std::string_view s);
expr integer_comparison(op o, std::size_t field, std::int64_t v);
/// field IN (the values `column` of the records of `schema`'s table that `filter` selects).
/// bad_input_error when the query has an offset or a limit (a sub-query selects a set).
expr sub_query_comparison(std::size_t field, const table_schema& schema, std::size_t column,
                          const std::optional<expr>& filter, bool limited, const void* backend, void* handle);
/// A test inside a JSON field.
expr json_comparison(op test, std::size_t field, const std::vector<std::string>& path, std::vector<json_scalar> values);
/// The tokens of a JSON pointer given to at(); bad_input_error naming the field when it is none.
std::vector<std::string> json_pointer_of(std::string_view pointer, const table_schema& s, std::size_t field);

/// Whether a value of type V may be compared with a field whose column type is T.
template <class T, class V>
constexpr bool comparable() {
  using U = std::remove_cvref_t<V>;
  if constexpr (std::same_as<T, std::string>)
    return std::convertible_to<const V&, std::string_view>;
  else if constexpr (std::same_as<T, bool>)
    return std::same_as<U, bool>;
  else if constexpr (std::is_enum_v<T>)
    return std::same_as<U, T>;
  else if constexpr (std::integral<T>)
    return std::integral<U> && !std::same_as<U, bool>;
  else if constexpr (std::floating_point<T>)
    return std::is_arithmetic_v<U> && !std::same_as<U, bool>;
  else if constexpr (is_time_point<T>::value)
    return is_time_point<U>::value;
  else
    return std::convertible_to<const V&, T>;
}

/// Whether M is &Record::field for a field its record reflects: not a member function, not a data
/// member left out of BOOST_HANA_DEFINE_STRUCT.
template <auto M>
constexpr bool find_field() {
  if constexpr (std::is_member_object_pointer_v<decltype(M)>)
    return member_index_v<typename member_pointer_parts<decltype(M)>::record, M> != npos;
  else
    return false;
}
template <auto M>
inline constexpr bool reflected_field = find_field<M>();

/// The type field_ref gives a member that is no field: no comparison builds anything for it.
struct not_a_field {};

// The facts below are named by field_ref's static_asserts, so that the compiler prints the field
// (&Record::field), its type and, for a value, the value's type. Each holds for a field whose type
// cannot be stored: stowage::table<Record> reports that field, once, in a few lines (a predicate
// is of no use without that table), and a predicate over it builds nothing, so that no codec is
// instantiated for the type and no error cascades.

/// Whether a value of type Value may be compared with Field (&Record::field) of type FieldType.
template <auto Field, class FieldType, class Value>
inline constexpr bool value_fits_field =
    !field_type<FieldType> || comparable<typename field_info<FieldType>::column_type, Value>();

/// Whether Field holds text, for starts_with() and like().
template <auto Field, class FieldType>
inline constexpr bool field_is_text =
    !field_type<FieldType> || std::is_same_v<typename field_info<FieldType>::column_type, std::string>;

/// Whether Field is stored as JSON (nlohmann::json, a nested struct or a vector), for at().
template <auto Field, class FieldType>
inline constexpr bool field_is_json = !field_type<FieldType> || kind_of<FieldType>() == column_kind::json;

/// Whether Field is a std::optional, for is_null().
template <auto Field, class FieldType>
inline constexpr bool field_is_optional = !field_type<FieldType> || field_info<FieldType>::nullable;

/// Whether Selected (&Other::field, of type SelectedType), the field a sub-query selects, may be
/// tested against Field (&Record::field, of type FieldType): their column types are the same.
template <auto Field, auto Selected, class FieldType, class SelectedType>
inline constexpr bool sub_query_fits =
    std::is_same_v<typename field_info<FieldType>::column_type, typename field_info<SelectedType>::column_type>;

[[noreturn]] void query_value_refused(const codec_failure& c);

/// A query value as stored; text and integers directly, the rest through the field type's codec.
template <class T, class V>
value column_value(const V& v) {
  if constexpr (std::same_as<T, std::string> && std::convertible_to<const V&, std::string_view>) {
    return text_value(std::string_view(v));
  } else if constexpr (plain_integer<T> || std::same_as<T, bool>) {
    return value(std::in_place_index<1>, column_traits<T>::to_storage(static_cast<T>(v)));
  } else {
    try {
      return to_value(static_cast<T>(v));
    } catch (const codec_failure& c) {
      query_value_refused(c);
    }
  }
}

/// The comparison of a field whose column type is T with v.
template <class T, class V>
expr comparison_with(op o, std::size_t field, const V& v) {
  if constexpr (std::same_as<T, std::string> && std::convertible_to<const V&, std::string_view>)
    return text_comparison(o, field, std::string_view(v));
  else if constexpr (plain_integer<T> || std::same_as<T, bool>)
    return integer_comparison(o, field, column_traits<T>::to_storage(static_cast<T>(v)));
  else
    return comparison(o, field, column_value<T>(v));
}

}  // namespace detail

template <class Record, class Backend, auto... Fields>
class projection;

/// A condition on records of type Record; combine with &&, || and !.
template <class Record>
class predicate {
 public:
  explicit predicate(detail::expr e) : expr_(std::move(e)) {}
  const detail::expr& expr() const& noexcept { return expr_; }
  detail::expr expr() && noexcept { return std::move(expr_); }

  friend predicate operator&&(predicate a, predicate b) {
    return predicate(detail::combination(detail::op::and_, std::move(a.expr_), std::move(b.expr_)));
  }
  friend predicate operator||(predicate a, predicate b) {
    return predicate(detail::combination(detail::op::or_, std::move(a.expr_), std::move(b.expr_)));
  }
  friend predicate operator!(predicate a) { return predicate(detail::negation(std::move(a.expr_))); }

 private:
  detail::expr expr_;
};

/// A place inside a JSON field, where<&Event::payload>.at("/order/id"): compared with ==, !=, <,
/// <=, >, >=, in() and exists() under the rules of query/json_path.hpp (README, "Predicates
/// inside JSON fields").
template <class Record>
class json_path_ref {
 public:
  json_path_ref(std::size_t field, std::vector<std::string> path) : field_(field), path_(std::move(path)) {}

  friend predicate<Record> operator==(const json_path_ref& r, json_operand v) { return r.test(detail::op::eq, v); }
  friend predicate<Record> operator!=(const json_path_ref& r, json_operand v) { return r.test(detail::op::ne, v); }
  friend predicate<Record> operator<(const json_path_ref& r, json_operand v) { return r.test(detail::op::lt, v); }
  friend predicate<Record> operator<=(const json_path_ref& r, json_operand v) { return r.test(detail::op::le, v); }
  friend predicate<Record> operator>(const json_path_ref& r, json_operand v) { return r.test(detail::op::gt, v); }
  friend predicate<Record> operator>=(const json_path_ref& r, json_operand v) { return r.test(detail::op::ge, v); }

  /// The value equals one of these; an empty list matches nothing.
  predicate<Record> in(std::initializer_list<json_operand> values) const {
    std::vector<detail::json_scalar> list;
    list.reserve(values.size());
    for (const auto& v : values) list.push_back(v.v);
    return predicate<Record>(detail::json_comparison(detail::op::in, field_, path_, std::move(list)));
  }
  /// The path leads to a value, null included.
  predicate<Record> exists() const {
    return predicate<Record>(detail::json_comparison(detail::op::is_null, field_, path_, {}));
  }

 private:
  predicate<Record> test(detail::op o, const json_operand& v) const {
    return predicate<Record>(detail::json_comparison(o, field_, path_, {v.v}));
  }

  std::size_t field_;
  std::vector<std::string> path_;
};

/// A reference to the field that member pointer M designates; the start of every predicate.
/// Comparisons follow SQL: a NULL field (an empty optional) satisfies no comparison, not even
/// !=; test it with is_null().
///
/// Every operation checks that M is a reflected field (and then the value) in its own
/// static_asserts, not the class: clang leaves a class whose static_assert failed without
/// members, and every use of it would be one more error.
template <auto M>
struct field_ref {
  using record = typename detail::member_pointer_parts<decltype(M)>::record;
  using field_type = std::conditional_t<detail::reflected_field<M>,
                                        typename detail::member_pointer_parts<decltype(M)>::type, detail::not_a_field>;
  using column_type = typename detail::field_info<field_type>::column_type;
  static constexpr std::size_t index = detail::member_index_v<record, M>;

  // whether anything is built: never for a field that cannot be stored (see value_fits_field)
  static constexpr bool storable = detail::field_type<field_type>;
  template <class V>
  static constexpr bool fits = storable&& detail::value_fits_field<M, field_type, V>;

  // Each comparison asserts that the value fits itself, one step from the user's line (the
  // failed requirement names the field, its type and the value's type), and then calls the
  // overload that builds nothing, so that the assertion is the only error.
  template <class V>
  static predicate<record> compare(detail::op o, const V& v, std::true_type) {
    return predicate<record>(detail::comparison_with<column_type>(o, index, v));
  }
  template <class V>
  static predicate<record> compare(detail::op, const V&, std::false_type) {
    return predicate<record>(detail::expr{});
  }

  template <class V>
  friend predicate<record> operator==(field_ref, const V& v) {
    if constexpr (std::same_as<V, std::nullopt_t>) {
      return field_ref{}.is_null();
    } else {
      static_assert(detail::reflected_field<M>,
                    "stowage: this member is not a reflected field of its record: list it in "
                    "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
      static_assert(detail::value_fits_field<M, field_type, V>,
                    "stowage: the value compared with this field has the wrong type (see the field, its type and the "
                    "value's type in the requirement)");
      return compare(detail::op::eq, v, std::bool_constant<fits<V>>{});
    }
  }
  template <class V>
  friend predicate<record> operator!=(field_ref, const V& v) {
    if constexpr (std::same_as<V, std::nullopt_t>) {
      return !field_ref{}.is_null();
    } else {
      static_assert(detail::reflected_field<M>,
                    "stowage: this member is not a reflected field of its record: list it in "
                    "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
      static_assert(detail::value_fits_field<M, field_type, V>,
                    "stowage: the value compared with this field has the wrong type (see the field, its type and the "
                    "value's type in the requirement)");
      return compare(detail::op::ne, v, std::bool_constant<fits<V>>{});
    }
  }
  template <class V>
  friend predicate<record> operator<(field_ref, const V& v) {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::value_fits_field<M, field_type, V>,
                  "stowage: the value compared with this field has the wrong type (see the field, its type and the "
                  "value's type in the requirement)");
    return compare(detail::op::lt, v, std::bool_constant<fits<V>>{});
  }
  template <class V>
  friend predicate<record> operator<=(field_ref, const V& v) {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::value_fits_field<M, field_type, V>,
                  "stowage: the value compared with this field has the wrong type (see the field, its type and the "
                  "value's type in the requirement)");
    return compare(detail::op::le, v, std::bool_constant<fits<V>>{});
  }
  template <class V>
  friend predicate<record> operator>(field_ref, const V& v) {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::value_fits_field<M, field_type, V>,
                  "stowage: the value compared with this field has the wrong type (see the field, its type and the "
                  "value's type in the requirement)");
    return compare(detail::op::gt, v, std::bool_constant<fits<V>>{});
  }
  template <class V>
  friend predicate<record> operator>=(field_ref, const V& v) {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::value_fits_field<M, field_type, V>,
                  "stowage: the value compared with this field has the wrong type (see the field, its type and the "
                  "value's type in the requirement)");
    return compare(detail::op::ge, v, std::bool_constant<fits<V>>{});
  }

  /// The field equals one of the values; an empty list matches nothing.
  template <std::ranges::input_range Values>
  predicate<record> in(const Values& values) const {
    using V = std::ranges::range_value_t<Values>;
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::value_fits_field<M, field_type, V>,
                  "stowage: the values given to in() have the wrong type for this field (see the field, its type "
                  "and the values' type in the requirement)");
    if constexpr (fits<V>) {
      std::vector<value> list;
      for (const auto& v : values) list.push_back(detail::column_value<column_type>(v));
      return predicate<record>(detail::comparison(detail::op::in, index, std::move(list)));
    } else {
      return predicate<record>(detail::expr{});
    }
  }
  predicate<record> in(std::initializer_list<column_type> values) const {
    return in<std::initializer_list<column_type>>(values);
  }

  /// The field equals a value that a query of another table (or this one) selects, one field
  /// of it: where<&Event::id>.in(links.query(where<&Link::type> == "follows").select<&Link::source>()).
  /// The sub-query runs with the query that holds the predicate, as part of it: on SQL backends
  /// one statement, `id IN (SELECT source FROM links WHERE ...)`; memory and json_dir read its
  /// values first, in the same snapshot. Its table must be of the same database; it may have no
  /// offset() or limit() (bad_input_error), and its order does not matter. SQL's rule holds: a
  /// value not found where the sub-query selects a NULL is unknown, not false.
  template <class R, class B, auto F>
  predicate<record> in(const projection<R, B, F>& sub) const {
    using selected = typename detail::member_pointer_parts<decltype(F)>::type;
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::sub_query_fits<M, F, field_type, selected>,
                  "stowage: the sub-query given to in() selects a field of another type than this field's (see "
                  "both fields in the requirement; std::optional aside, the types must be the same)");
    return predicate<record>(detail::sub_query_comparison(index, detail::schema_of<R>(), detail::member_index_v<R, F>,
                                                          sub.spec_.filter, sub.spec_.limit || sub.spec_.offset,
                                                          &sub.db_->backend(), sub.handle_));
  }

  /// The text field starts with `p` (bytewise; an index on the field serves it).
  predicate<record> starts_with(std::string_view p) const {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::field_is_text<M, field_type>,
                  "stowage: starts_with() applies to text fields (std::string), and this field is not one (see the "
                  "field and its type in the requirement)");
    return predicate<record>(detail::text_comparison(detail::op::prefix, index, p));
  }

  /// SQL LIKE, bytewise and case-sensitive on every backend: % matches any run of bytes, _
  /// exactly one byte (so one byte of a multi-byte UTF-8 character), and a backslash makes the
  /// next byte literal. A pattern ending in a backslash that escapes nothing is bad_input_error.
  predicate<record> like(std::string_view pattern) const {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::field_is_text<M, field_type>,
                  "stowage: like() applies to text fields (std::string), and this field is not one (see the field "
                  "and its type in the requirement)");
    if (detail::like_pattern_dangles(pattern))
      throw bad_input_error("field '" + std::string(detail::field_names_v<record>[index]) +
                                "': a LIKE pattern cannot end in an unpaired escape (\\); write \\\\ for a backslash",
                            detail::context_of(detail::schema_of<record>()));
    return predicate<record>(detail::text_comparison(detail::op::like, index, pattern));
  }

  /// The place in this JSON field that a JSON Pointer (RFC 6901) names: at("/order/id"),
  /// at("/items/0/sku"); "" is the whole document. A pointer that is none is bad_input_error.
  json_path_ref<record> at(std::string_view pointer) const {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::field_is_json<M, field_type>,
                  "stowage: at() applies to fields stored as JSON (nlohmann::json, a nested struct or a "
                  "std::vector), and this field is not one (see the field and its type in the requirement)");
    return json_path_ref<record>(index, detail::json_pointer_of(pointer, detail::schema_of<record>(), index));
  }

  /// The text field holds `s` somewhere, byte for byte (the empty text is in every value). No
  /// index serves it: each row of the table is looked at.
  predicate<record> contains(std::string_view s) const {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::field_is_text<M, field_type>,
                  "stowage: contains() applies to text fields (std::string), and this field is not one (see the "
                  "field and its type in the requirement)");
    return predicate<record>(detail::text_comparison(detail::op::contains, index, s));
  }
  /// The same, with the 26 ASCII letters matching either case ("Hello" is in "say hello"). Every
  /// other byte, accented and non-Latin letters included, must match exactly: one meaning on
  /// every backend, whatever the server's locale.
  predicate<record> icontains(std::string_view s) const {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::field_is_text<M, field_type>,
                  "stowage: icontains() applies to text fields (std::string), and this field is not one (see the "
                  "field and its type in the requirement)");
    return predicate<record>(detail::text_comparison(detail::op::icontains, index, s));
  }

  predicate<record> is_null() const {
    static_assert(detail::reflected_field<M>,
                  "stowage: this member is not a reflected field of its record: list it in "
                  "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
    static_assert(detail::field_is_optional<M, field_type>,
                  "stowage: is_null() applies to std::optional fields, and this field is not one (see the field and "
                  "its type in the requirement)");
    return predicate<record>(detail::null_test(index));
  }
};

/// where<&Event::schema> == "x": a predicate on a field.
template <auto M>
inline constexpr field_ref<M> where{};
/// The same object under the name that reads better in order_by(field<&Event::time>, desc).
template <auto M>
inline constexpr field_ref<M> field{};

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/query/impl/predicate.ipp>
#endif
