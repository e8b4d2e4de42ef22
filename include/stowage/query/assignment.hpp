// Typed assignments for updates by predicate: stowage::set<&Run::status>(run_status::failed).
// Each is checked at compile time as a where<> comparison is (the field, the value's type), and
// may not name the key; it is then kept as the field's index and the value as stored, which
// every backend applies without knowing the record type.
#pragma once

#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <stowage/detail/checks.hpp>
#include <stowage/detail/config.hpp>
#include <stowage/query/predicate.hpp>
#include <stowage/record/record.hpp>

namespace stowage {
namespace detail {

/// One field's new value in an update by predicate: the field by index, the value as stored
/// (NULL for std::nullopt).
struct field_change {
  // out of line, as expr's: the value is moved, copied and destroyed by code compiled once, not
  // in every function that sets a field
  field_change();
  field_change(std::size_t f, value v);
  field_change(const field_change&);
  field_change(field_change&&) noexcept;
  field_change& operator=(const field_change&);
  field_change& operator=(field_change&&) noexcept;
  ~field_change();

  std::size_t field = 0;
  value to;
};

/// Whether Field (&Record::field) is not the record's key, which set<> may not change.
template <auto Field>
constexpr bool find_not_key() {
  if constexpr (!reflected_field<Field>) {
    return true;  // its problem is that it is no field
  } else {
    using record = typename member_pointer_parts<decltype(Field)>::record;
    return member_index_v<record, Field> != key_index<record>();
  }
}
template <auto Field>
inline constexpr bool field_is_not_key = find_not_key<Field>();

/// The value of V that set<> stores, when V is std::optional<W> (W) or std::nullopt_t (none).
template <class V>
struct assigned {
  using type = V;
};
template <class W>
struct assigned<std::optional<W>> {
  using type = W;
};

/// Whether set<Field>(v) may store a value of type Value in Field, of type FieldType: what
/// where<Field> == v accepts, and std::nullopt or a std::optional for an optional field.
template <auto Field, class FieldType, class Value>
constexpr bool find_value_settable() {
  if constexpr (!field_type<FieldType>) {
    return true;  // stowage::table reports the field that cannot be stored
  } else if constexpr (std::same_as<Value, std::nullopt_t> || is_optional<Value>::value) {
    if constexpr (!field_info<FieldType>::nullable)
      return false;
    else if constexpr (std::same_as<Value, std::nullopt_t>)
      return true;
    else
      return comparable<typename field_info<FieldType>::column_type, typename Value::value_type>();
  } else {
    return comparable<typename field_info<FieldType>::column_type, Value>();
  }
}
template <auto Field, class FieldType, class Value>
inline constexpr bool value_settable = find_value_settable<Field, FieldType, Value>();

[[noreturn]] void assigned_value_refused(const codec_failure& c, std::string_view field);
[[noreturn]] void assigned_integer_out_of_range(std::string_view field, std::string value);

/// A set<> value as stored; an integer that the field's type cannot hold is bad input, not
/// silently cut.
template <class T, class V>
value assigned_value(const V& v, std::string_view field) {
  if constexpr (std::same_as<T, std::string> && std::convertible_to<const V&, std::string_view>) {
    return text_value(std::string_view(v));
  } else if constexpr (plain_integer<T> && plain_integer<V>) {
    if (!std::in_range<T>(v)) assigned_integer_out_of_range(field, std::to_string(v));
    return value(std::in_place_index<1>, column_traits<T>::to_storage(static_cast<T>(v)));
  } else {
    try {
      return to_value(static_cast<T>(v));
    } catch (const codec_failure& c) {
      assigned_value_refused(c, field);
    }
  }
}

/// Refuses an update that sets one field twice (bad_input_error naming the field).
void check_changes(const table_schema& s, std::span<const field_change> changes);

}  // namespace detail

/// A new value for one field of every record an update selects; made by stowage::set.
template <class Record>
class assignment {
 public:
  explicit assignment(detail::field_change c) : change_(std::move(c)) {}
  const detail::field_change& change() const& noexcept { return change_; }
  detail::field_change change() && noexcept { return std::move(change_); }

 private:
  detail::field_change change_;
};

/// set<&Run::status>(run_status::failed): the new value of a field, for
/// table.update(predicate, set<...>(...), ...). The value is typed as in where<&Run::status> == v;
/// std::nullopt (or an empty std::optional) empties an optional field. The key cannot be set.
///
/// Like field_ref's operations, each check is its own static_assert naming the field (and the
/// value's type), and nothing is built when one fails, so that it is the only error.
template <auto M, class V>
assignment<typename detail::member_pointer_parts<decltype(M)>::record> set(const V& v) {
  using ref = field_ref<M>;
  using record = typename ref::record;
  using type = typename ref::field_type;
  static_assert(detail::reflected_field<M>,
                "stowage: this member is not a reflected field of its record: list it in "
                "BOOST_HANA_DEFINE_STRUCT or BOOST_HANA_ADAPT_STRUCT (a member function is no field)");
  static_assert(detail::field_is_not_key<M>,
                "stowage: set<> cannot change a record's key (see the field in the requirement): erase the record "
                "and insert it under its new key");
  static_assert(detail::value_settable<M, type, V>,
                "stowage: the value set in this field has the wrong type (see the field, its type and the value's "
                "type in the requirement; std::nullopt only empties a std::optional field)");
  if constexpr (ref::storable && detail::field_is_not_key<M> && detail::value_settable<M, type, V>) {
    const std::string_view name = detail::field_names_v<record>[ref::index];
    if constexpr (std::same_as<V, std::nullopt_t>) {
      return assignment<record>(detail::field_change{ref::index, value()});
    } else if constexpr (detail::is_optional<V>::value) {
      if (!v) return assignment<record>(detail::field_change{ref::index, value()});
      return assignment<record>(
          detail::field_change{ref::index, detail::assigned_value<typename ref::column_type>(*v, name)});
    } else {
      return assignment<record>(
          detail::field_change{ref::index, detail::assigned_value<typename ref::column_type>(v, name)});
    }
  } else {
    return assignment<record>(detail::field_change{});
  }
}

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/query/impl/assignment.ipp>
#endif
