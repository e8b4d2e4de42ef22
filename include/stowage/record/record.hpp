// Records: plain structs reflected with Boost.Hana. This file holds the record_traits
// customization point, compile-time field lookup, and the runtime table description that the
// backends create tables from.
#pragma once

#include <array>
#include <boost/hana/accessors.hpp>
#include <boost/hana/adapt_struct.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/define_struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/detail/type_name.hpp>
#include <stowage/query/json_path.hpp>
#include <stowage/record/codec.hpp>
#include <stowage/record/column.hpp>
#include <stowage/record/json.hpp>

namespace stowage {

/// A (possibly composite) index over the given fields, declared in record_traits::indexes.
template <auto... Fields>
struct index {};
/// Like index, and no two records may share the same values in these fields
/// (records where one of them is NULL are exempt, as in SQL).
template <auto... Fields>
struct unique {};

namespace detail {
/// A string literal as a template argument.
template <std::size_t N>
struct fixed_string {
  char text[N]{};
  constexpr fixed_string(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
  }
  constexpr std::string_view view() const { return {text, N - 1}; }
};
}  // namespace detail

/// An index on the value at a JSON pointer inside a JSON field, declared in
/// record_traits::indexes: json_index<&Event::payload, "/order/id">. It serves at(pointer) == v
/// where the backend has expression indexes (SQLite, PostgreSQL); memory and json_dir accept it
/// and scan. Its tokens must be names: one that could be an array index is refused.
template <auto Field, detail::fixed_string Pointer>
struct json_index {};

/// Customization point: how a record is stored. Every member is optional.
///
///     template <> struct stowage::record_traits<Event> {
///       static constexpr std::string_view table = "events";   // default: the struct's name
///       static constexpr auto key = &Event::id;               // default: the field named id
///       using indexes = std::tuple<stowage::index<&Event::schema, &Event::time>,
///                                  stowage::unique<&Event::producer, &Event::seq>,
///                                  stowage::json_index<&Event::payload, "/order/id">>;
///     };
template <class Record>
struct record_traits {};

namespace detail {

template <class M>
struct member_pointer_parts;
template <class C, class T>
struct member_pointer_parts<T C::*> {
  using record = C;
  using type = T;
};

template <class R>
using accessors_t = decltype(boost::hana::accessors<R>());

template <class R>
inline constexpr std::size_t field_count = decltype(boost::hana::length(boost::hana::accessors<R>()))::value;

template <class R, std::size_t I>
using accessor_t =
    std::remove_cvref_t<decltype(boost::hana::second(boost::hana::at_c<I>(boost::hana::accessors<R>())))>;

template <class R, std::size_t I>
using field_t = std::remove_cvref_t<decltype(std::declval<accessor_t<R, I>>()(std::declval<R&>()))>;

template <std::size_t I, class R>
decltype(auto) field(R& r) {
  return accessor_t<std::remove_const_t<R>, I>{}(r);
}

template <class R, std::size_t... I>
constexpr auto field_names(std::index_sequence<I...>) {
  return std::array<std::string_view, sizeof...(I)>{std::string_view(
      boost::hana::to<const char*>(boost::hana::first(boost::hana::at_c<I>(boost::hana::accessors<R>()))))...};
}

template <class R>
inline constexpr auto field_names_v = field_names<R>(std::make_index_sequence<field_count<R>>{});

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

/// Index of the field that member pointer M designates, or npos. Hana's struct macros give each
/// accessor the type member_ptr<decltype(M), M>, which is matched here at compile time.
template <class R, auto M, std::size_t... I>
constexpr std::size_t member_index(std::index_sequence<I...>) {
  std::size_t found = npos;
  ((std::is_same_v<accessor_t<R, I>, boost::hana::struct_detail::member_ptr<decltype(M), M>> ? (found = I) : 0), ...);
  return found;
}

template <class R, auto M>
inline constexpr std::size_t member_index_v = member_index<R, M>(std::make_index_sequence<field_count<R>>{});

template <class R>
constexpr std::size_t name_index(std::string_view name) {
  for (std::size_t i = 0; i < field_count<R>; ++i)
    if (field_names_v<R>[i] == name) return i;
  return npos;
}

template <class R>
constexpr std::string_view default_table_name() {
  return type_name<R>();
}

template <class R, std::size_t... I>
constexpr bool all_fields_storable(std::index_sequence<I...>) {
  return (field_type<field_t<R, I>> && ...);
}

}  // namespace detail

/// A record: a default-constructible struct reflected with BOOST_HANA_DEFINE_STRUCT or
/// BOOST_HANA_ADAPT_STRUCT whose fields are all storable.
template <class R>
concept record = std::is_class_v<R> && boost::hana::Struct<R>::value && std::default_initializable<R>;

/// Compile-time facts about a record, combining reflection with record_traits. (Not
/// constrained: stowage::table names it for any type, and checks the type itself.)
template <class R>
struct record_info {
  using traits = record_traits<R>;
  static constexpr std::size_t size = detail::field_count<R>;
  static constexpr auto names = detail::field_names_v<R>;

  static constexpr std::string_view record_name = detail::type_name<R>();
  static constexpr std::string_view table = [] {
    if constexpr (requires { traits::table; })
      return std::string_view(traits::table);
    else
      return detail::default_table_name<R>();
  }();

  static constexpr std::size_t key = [] {
    if constexpr (requires { traits::key; })
      return detail::member_index_v<R, traits::key>;
    else
      return detail::name_index<R>("id");
  }();
  static_assert(key != detail::npos,
                "this record has no key: name a field `id`, or set `static constexpr auto key = &R::field;` "
                "in stowage::record_traits<R>");

  template <std::size_t I>
  using field_type = detail::field_t<R, I>;
  using key_type = field_type<key>;
  static_assert(!detail::is_optional<key_type>::value, "a record's key field cannot be std::optional");

  static const key_type& key_of(const R& r) { return detail::field<key>(r); }
};

/// Checks field storability with a message naming the record and the field.
template <class R, std::size_t I>
constexpr bool check_field_storable() {
  using F = detail::field_t<R, I>;
  static_assert(detail::field_type<F>,
                "a field of this record has no column mapping: add a stowage::column_traits "
                "specialization for its type (see the instantiation above for the record and field)");
  return detail::field_type<F>;
}

namespace detail {

/// One column as the backends create it, and where its field lives in a record.
struct column_def {
  std::string_view name;
  column_kind kind;
  bool nullable;
  value default_value;       // what a column added by migration holds in existing rows
  std::size_t offset;        // of the field from the start of the record
  const field_codec* codec;  // how the field is stored
};

struct index_def {
  std::string name;
  std::vector<std::size_t> columns;
  bool unique;
  // an index on the value at a JSON pointer in its one column (json_index): the pointer's tokens
  bool json = false;
  std::vector<std::string> json_path;
};

/// The runtime description of a record's table, built once per record type. Everything a
/// backend does with records goes through it, so backends are plain code, not templates.
struct table_schema {
  // out of line: each record's schema is destroyed at exit by code compiled once
  table_schema() = default;
  table_schema(const table_schema&);
  table_schema(table_schema&&) noexcept;
  table_schema& operator=(const table_schema&);
  table_schema& operator=(table_schema&&) noexcept;
  ~table_schema();

  std::string_view record;
  std::string_view table;
  std::vector<column_def> columns;
  std::size_t key;
  std::vector<index_def> indexes;

  std::string_view key_name() const { return columns[key].name; }
};

/// What a record type tells make_schema about one of its fields.
struct column_spec {
  std::string_view name;
  column_kind kind;
  bool nullable;
  std::size_t offset;
  const field_codec* codec;
};

/// An index a record declares: whether it is unique, and its fields by index.
struct index_spec {
  bool unique;
  std::span<const std::size_t> columns;
  bool json = false;
  std::string_view json_pointer = {};
};

/// Builds a table's description from what a record type declares; `defaults` points to a
/// default-initialized record, whose fields give the values of columns added by migration.
table_schema make_schema(std::string_view record, std::string_view table, std::size_t key,
                         std::span<const column_spec> columns, const void* defaults,
                         std::span<const index_spec> indexes);

template <class R, auto... M>
struct index_columns {
  static_assert(((member_index_v<R, M> != npos) && ...),
                "an index in stowage::record_traits names a member that is not a reflected field");
  static constexpr std::size_t value[] = {member_index_v<R, M>...};
};

template <class R, class Index>
struct index_spec_of;
template <class R, auto... M>
struct index_spec_of<R, stowage::index<M...>> {
  static constexpr index_spec value{false, index_columns<R, M...>::value};
};
template <class R, auto... M>
struct index_spec_of<R, stowage::unique<M...>> {
  static constexpr index_spec value{true, index_columns<R, M...>::value};
};

/// Whether Field (&Record::field) of type FieldType, named by a json_index, is stored as JSON.
template <auto Field, class FieldType>
inline constexpr bool json_index_field_is_json = !field_type<FieldType> || kind_of<FieldType>() == column_kind::json;

template <class R, auto M, fixed_string P>
struct index_spec_of<R, stowage::json_index<M, P>> {
  static_assert(json_index_field_is_json<M, typename member_pointer_parts<decltype(M)>::type>,
                "stowage: a json_index in stowage::record_traits names a field that is not stored as JSON "
                "(nlohmann::json, a nested struct or a std::vector; see the field in the requirement)");
  static constexpr index_spec value{false, index_columns<R, M>::value, true, P.view()};
};

template <class R, class... Ix>
constexpr std::array<index_spec, sizeof...(Ix)> index_specs(std::tuple<Ix...>*) {
  return {index_spec_of<R, Ix>::value...};
}

template <class R>
std::span<const index_spec> indexes_of() {
  if constexpr (requires { typename record_traits<R>::indexes; }) {
    static constexpr auto specs = index_specs<R>(static_cast<typename record_traits<R>::indexes*>(nullptr));
    return specs;
  } else {
    return {};
  }
}

template <class R, std::size_t I>
std::size_t offset_of(const R& r) {
  return static_cast<std::size_t>(reinterpret_cast<const char*>(&field<I>(r)) - reinterpret_cast<const char*>(&r));
}

template <class R, std::size_t... I>
table_schema build_schema(std::index_sequence<I...>) {
  (check_field_storable<R, I>(), ...);
  const R defaults{};
  const column_spec columns[] = {column_spec{field_names_v<R>[I], kind_of<field_t<R, I>>(),
                                             field_info<field_t<R, I>>::nullable, offset_of<R, I>(defaults),
                                             &codec_of<field_t<R, I>>}...};
  return make_schema(record_info<R>::record_name, record_info<R>::table, record_info<R>::key, columns, &defaults,
                     indexes_of<R>());
}

template <class R>
const table_schema& schema_of() {
  static const table_schema s = build_schema<R>(std::make_index_sequence<field_count<R>>{});
  return s;
}

/// A key for error messages, rendered only when an error needs it: a function and the two
/// pointers it reads.
struct key_ref {
  std::string (*render)(const void*, const void*) = nullptr;
  const void* a = nullptr;
  const void* b = nullptr;
  std::string text() const { return render ? render(a, b) : std::string(); }
};

key_ref key_of_value(const value& v);
key_ref key_of_cell(const cell& c);
/// The key of the record at `record`, a record of the table's type.
key_ref key_of_record(const table_schema& s, const void* record);

/// Builds the context of an error about a record in a table.
error_context context_of(const table_schema& s, const key_ref& k = {}, std::string backend = {});

/// Called in a catch block of a codec step for one field: rethrows the exception as an error that
/// names the record, the key and the field (a stowage::error passes unchanged).
[[noreturn]] void field_failed(const table_schema& s, std::size_t field_index, const key_ref& k);

/// Runs a codec step for one field, turning a codec_failure into an error that names the
/// record, the key and the field.
template <class F>
decltype(auto) with_field_context(const table_schema& s, std::size_t field_index, const key_ref& k, F&& f) {
  try {
    return f();
  } catch (...) {
    field_failed(s, field_index, k);
  }
}

/// Writes the stored form of field i of the record at `record` into out (`scratch` holds bytes a
/// conversion makes, until the next call with it).
void encode_field(const table_schema& s, std::size_t i, const void* record, cell& out, std::string& scratch);

/// Reads a stored value into field i of the record at `record`; `key` names the row in errors.
void decode_field(const table_schema& s, std::size_t i, void* record, const cell& in, const key_ref& key);

/// A key as a cell for a table whose key field has type K. A key that cannot be stored (a time
/// point out of range, an enum value without a name) is the same stowage::error as such a value
/// in its field.
template <class K>
cell key_cell(const table_schema& s, const K& key, std::string& scratch) {
  cell c;
  try {
    codec_of<K>.encode(&key, c, scratch);
  } catch (...) {
    field_failed(s, s.key, key_ref{});
  }
  return c;
}

/// The record as a row of stored values, in field order.
std::vector<value> encode_row(const table_schema& s, const void* record);

/// Reads a row of stored values, in field order, into the record at `record`.
void decode_row(const table_schema& s, const std::vector<value>& row, void* record);

}  // namespace detail
}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/record/impl/record.ipp>
#endif
