// What the entry points (database<B>, table<R, B>, where<M> == v) check about the types a
// program hands them, as compile-time facts for their static_asserts. Each fact takes the
// subject as template arguments (the record, a field as &Record::field, the types involved):
// the compiler prints them in the failed requirement, so the error names what is wrong.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <stowage/record/record.hpp>

namespace stowage::detail {

/// A class reflected with Boost.Hana.
template <class Record>
inline constexpr bool reflected = std::is_class_v<Record>&& boost::hana::Struct<Record>::value;

template <class Record>
constexpr std::size_t key_index() {
  if constexpr (requires { record_traits<Record>::key; })
    return member_index_v<Record, record_traits<Record>::key>;
  else
    return name_index<Record>("id");
}

template <class Record>
constexpr bool find_key() {
  if constexpr (reflected<Record>)
    return key_index<Record>() != npos;
  else
    return true;  // its problem is that it is not reflected
}
/// A reflected record has a key field (true for another type: that is its problem).
template <class Record>
inline constexpr bool has_key = find_key<Record>();

template <class Record>
constexpr bool find_plain_key() {
  if constexpr (!reflected<Record>)
    return true;
  else if constexpr (!has_key<Record>)
    return true;
  else
    return !is_optional<field_t<Record, key_index<Record>()>>::value;
}
/// The key of a record with one is not std::optional.
template <class Record>
inline constexpr bool key_not_optional = find_plain_key<Record>();

/// A field of a record: Field is &Record::field when Hana's accessor holds a member pointer
/// (BOOST_HANA_DEFINE_STRUCT, BOOST_HANA_ADAPT_STRUCT), the field's index otherwise.
template <auto Field, class Type>
struct field_of {};
struct no_field {};

template <class Accessor, std::size_t I>
struct field_subject {
  static constexpr std::size_t value = I;
};
template <class T, T P, std::size_t I>
struct field_subject<boost::hana::struct_detail::member_ptr<T, P>, I> {
  static constexpr T value = P;
};

template <class Record, std::size_t I = 0>
constexpr auto first_unstorable() {
  if constexpr (!reflected<Record>) {
    return no_field{};
  } else if constexpr (I == field_count<Record>) {
    return no_field{};
  } else if constexpr (!field_type<field_t<Record, I>>) {
    return field_of<field_subject<accessor_t<Record, I>, I>::value, field_t<Record, I>>{};
  } else {
    return first_unstorable<Record, I + 1>();
  }
}
/// The first field (in declaration order) whose type stowage cannot store, or no_field.
template <class Record>
using first_unstorable_field = decltype(first_unstorable<Record>());

/// Whether a field (field_of<&Record::field, Type>, or no_field) can be stored.
template <class Field>
inline constexpr bool storable = true;
template <auto Field, class Type>
inline constexpr bool storable<field_of<Field, Type>> = false;

template <class Record>
constexpr bool check_record() {
  if constexpr (reflected<Record>)
    return std::is_default_constructible_v<Record> && has_key<Record> && key_not_optional<Record> &&
           std::same_as<first_unstorable_field<Record>, no_field>;
  else
    return false;
}
/// A record type that passes every check of stowage::table.
template <class Record>
inline constexpr bool valid_record = check_record<Record>();

/// The key type of a record; for one without a key, a stand-in that keeps the declarations and
/// the calls of stowage::table well-formed once its static_assert has failed.
struct no_key_type {
  template <class T>
  no_key_type(const T&) {}
};
template <class Record>
constexpr auto key_type_tag() {
  if constexpr (!reflected<Record>)
    return std::type_identity<no_key_type>{};
  else if constexpr (!has_key<Record>)
    return std::type_identity<no_key_type>{};
  else
    return std::type_identity<field_t<Record, key_index<Record>()>>{};
}
template <class Record>
using key_type_of = typename decltype(key_type_tag<Record>())::type;

}  // namespace stowage::detail
