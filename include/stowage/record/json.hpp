// Columns stored as JSON text: nlohmann::json fields, nested reflected structs and vectors.
// Only <nlohmann/json_fwd.hpp> is included here; the code below depends on the field type, so
// nlohmann's full header is parsed only by translation units whose records use JSON columns
// (they include <nlohmann/json.hpp>, or <stowage/json.hpp> which does).
#pragma once

#include <boost/hana/accessors.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>
#include <cmath>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include <stowage/record/codec.hpp>
#include <stowage/record/column.hpp>

namespace stowage {
namespace detail {

template <class T>
struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};

template <class T>
concept json_document = std::same_as<T, nlohmann::json> || std::same_as<T, nlohmann::ordered_json>;

template <class T>
concept reflected_struct = boost::hana::Struct<T>::value;

/// Composite fields stored as a JSON document in one column.
template <class T>
concept json_composite = (reflected_struct<T> || is_std_vector<T>::value) && !std::same_as<T, bytes>;

// The JSON type is named through the field type so that it is only required to be complete
// where a record with a JSON column is actually stored.
template <class T>
struct json_for {
  using type = nlohmann::json;
};
template <class T>
using json_t = typename json_for<T>::type;

/// A document as JSON text, for messages.
template <class J>
std::string json_dump(const J& j);
/// A document as the text stowage stores: refused (bad_input) when JSON text cannot hold it.
template <class J>
std::string store_json_text(const J& j);
/// Stored JSON text as a document; text that does not parse is corrupt data.
template <class J>
J read_json_text(const std::string& s);

#ifdef STOWAGE_SEPARATE_COMPILATION
// nlohmann's serializer and parser are instantiated once, in the file that compiles stowage,
// rather than in every translation unit with a JSON field: the file that defines
// STOWAGE_IMPLEMENTATION includes <nlohmann/json.hpp> through this header.
template <>
std::string json_dump<nlohmann::json>(const nlohmann::json& j);
template <>
std::string store_json_text<nlohmann::json>(const nlohmann::json& j);
template <>
nlohmann::json read_json_text<nlohmann::json>(const std::string& s);
#endif

/// Bytes as base64 text (RFC 4648, padded), and back; decoding refuses malformed text.
std::string base64_encode(std::span<const std::byte> in);
bytes base64_decode(std::string_view in);

template <class T>
json_t<T> to_json(const T& v);
template <class T>
T from_json(const json_t<T>& j);

template <class T>
json_t<T> to_json(const T& v) {
  using J = json_t<T>;
  if constexpr (is_optional<T>::value) {
    return v ? to_json(*v) : J(nullptr);
  } else if constexpr (json_document<T>) {
    return J(v);
  } else if constexpr (std::same_as<T, bool>) {
    return J(v);
  } else if constexpr (std::is_arithmetic_v<T>) {
    if constexpr (std::floating_point<T>) (void)column_traits<T>::to_storage(v);  // rejects NaN
    return J(v);
  } else if constexpr (reflected_struct<T>) {
    J out = J::object();
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      out[boost::hana::to<const char*>(boost::hana::first(pair))] = to_json(boost::hana::second(pair)(v));
    });
    return out;
  } else if constexpr (is_std_vector<T>::value && !std::same_as<T, bytes>) {
    J out = J::array();
    for (const auto& e : v) out.push_back(to_json(e));
    return out;
  } else {
    static_assert(column<T>, "this type has no JSON mapping: add a stowage::column_traits specialization");
    cell c;
    std::string scratch;
    codec_of<T>.encode(&v, c, scratch);
    switch (c.t) {
      case cell::type::integer: return J(c.i);
      case cell::type::real: return J(c.d);
      case cell::type::text: return J(std::string(c.text()));
      case cell::type::blob: return J(base64_encode(c.blob()));
      default: return J(nullptr);
    }
  }
}

template <class J>
struct json_source {
  const J& j;
  bool is_null() const { return j.is_null(); }
  template <class S>
  S get() const {
    if constexpr (std::same_as<S, std::int64_t>) {
      if (!j.is_number_integer())
        throw codec_failure{error_kind::corrupt, "expected an integer in JSON, found " + json_dump(j)};
      // JSON keeps integers above INT64_MAX unsigned: get<std::int64_t> would wrap them
      if (j.is_number_unsigned() &&
          j.template get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw codec_failure{error_kind::corrupt, "stored integer " + json_dump(j) + " does not fit the field's type"};
      return j.template get<std::int64_t>();
    } else if constexpr (std::same_as<S, double>) {
      if (!j.is_number()) throw codec_failure{error_kind::corrupt, "expected a number in JSON, found " + json_dump(j)};
      return j.template get<double>();
    } else {
      if (!j.is_string()) throw codec_failure{error_kind::corrupt, "expected a string in JSON, found " + json_dump(j)};
      if constexpr (std::same_as<S, std::string>)
        return j.template get<std::string>();
      else
        return base64_decode(j.template get_ref<const std::string&>());
    }
  }
};

template <class T>
T from_json(const json_t<T>& j) {
  if constexpr (is_optional<T>::value) {
    if (j.is_null()) return std::nullopt;
    return T(from_json<typename T::value_type>(j));
  } else if constexpr (json_document<T>) {
    return T(j);
  } else if constexpr (std::same_as<T, bool>) {
    if (!j.is_boolean())
      throw codec_failure{error_kind::corrupt, "expected true or false in JSON, found " + json_dump(j)};
    return j.template get<bool>();
  } else if constexpr (std::unsigned_integral<T> && sizeof(T) == 8) {
    // JSON holds the value itself, not the column's signed bit pattern: only a negative one is out of range
    if (!j.is_number_integer())
      throw codec_failure{error_kind::corrupt, "expected an integer in JSON, found " + json_dump(j)};
    if (!j.is_number_unsigned() && j.template get<std::int64_t>() < 0)
      throw codec_failure{error_kind::corrupt, "stored integer " + json_dump(j) + " does not fit the field's type"};
    return j.template get<T>();
  } else if constexpr (std::integral<T>) {
    // as a column decodes it, so a value that does not fit the type is refused, not wrapped
    return read_stored<T>(json_source<json_t<T>>{j});
  } else if constexpr (std::is_arithmetic_v<T>) {
    if (!j.is_number()) throw codec_failure{error_kind::corrupt, "expected a number in JSON, found " + json_dump(j)};
    return j.template get<T>();
  } else if constexpr (reflected_struct<T>) {
    if (!j.is_object()) throw codec_failure{error_kind::corrupt, "expected a JSON object, found " + json_dump(j)};
    T out{};
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      auto& field = boost::hana::second(pair)(out);
      using F = std::remove_cvref_t<decltype(field)>;
      const char* name = boost::hana::to<const char*>(boost::hana::first(pair));
      auto it = j.find(name);
      // a member missing from the document keeps its default, so nested structs may grow
      if (it == j.end()) return;
      try {
        field = from_json<F>(*it);
      } catch (codec_failure& c) {  // the caller names the column; the member is named here
        c.message = "member '" + std::string(name) + "': " + c.message;
        throw;
      }
    });
    return out;
  } else if constexpr (is_std_vector<T>::value && !std::same_as<T, bytes>) {
    if (!j.is_array()) throw codec_failure{error_kind::corrupt, "expected a JSON array, found " + json_dump(j)};
    T out;
    out.reserve(j.size());
    for (const auto& e : j) out.push_back(from_json<typename T::value_type>(e));
    return out;
  } else {
    return read_stored<T>(json_source<json_t<T>>{j});
  }
}

/// A value JSON text cannot hold, and what nlohmann would write for it instead.
struct json_flaw {
  const char* what;
  const char* why;
};
inline constexpr json_flaw json_nan{"NaN", "JSON has none, and it would be written as null"};
inline constexpr json_flaw json_infinity{"an infinity", "JSON has none, and it would be written as null"};
inline constexpr json_flaw json_binary{
    "a binary value", "JSON text has none, and it would be written as an object; store bytes in a bytes field"};
inline constexpr json_flaw json_discarded{"a discarded value",
                                          "it is no JSON (what a parse with a filter leaves), and would not read back"};

/// The first value in j that JSON text cannot hold, or nullptr; `where` gets its place as a JSON
/// pointer. Each would silently change or lose the value, so stowage refuses it instead.
template <class J>
const json_flaw* unstorable_json(const J& j, std::string& where) {
  using type = typename J::value_t;
  switch (j.type()) {
    case type::number_float: {
      double d = j.template get<double>();
      return std::isnan(d) ? &json_nan : std::isinf(d) ? &json_infinity : nullptr;
    }
    case type::binary: return &json_binary;
    case type::discarded: return &json_discarded;
    case type::array: {
      std::size_t i = 0;
      for (const auto& e : j) {
        if (const json_flaw* flaw = unstorable_json(e, where)) {
          where.insert(0, "/" + std::to_string(i));
          return flaw;
        }
        ++i;
      }
      return nullptr;
    }
    case type::object:
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (const json_flaw* flaw = unstorable_json(it.value(), where)) {
          std::string step = "/";
          for (char c : it.key()) step += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
          where.insert(0, step);
          return flaw;
        }
      }
      return nullptr;
    default: return nullptr;
  }
}

// The bodies of json_dump, store_json_text and read_json_text, for every JSON type.
template <class J>
std::string json_dump_of(const J& j) {
  return j.dump();
}

template <class J>
std::string store_json_text_of(const J& j) {
  std::string where;
  if (const json_flaw* flaw = unstorable_json(j, where))
    throw codec_failure{error_kind::bad_input, std::string(flaw->what) + " at " +
                                                   (where.empty() ? "the top" : "'" + where + "'") +
                                                   " of the JSON value cannot be stored: " + flaw->why};
  try {
    return j.dump();
  } catch (const std::exception& e) {  // invalid UTF-8 in a string
    throw codec_failure{error_kind::bad_input, std::string("value cannot be written as JSON: ") + e.what()};
  }
}

template <class J>
J read_json_text_of(const std::string& s) {
  try {
    return J::parse(s);
  } catch (const std::exception& e) {
    throw codec_failure{error_kind::corrupt, std::string("stored JSON does not parse: ") + e.what()};
  }
}

template <class J>
std::string json_dump(const J& j) {
  return json_dump_of(j);
}
template <class J>
std::string store_json_text(const J& j) {
  return store_json_text_of(j);
}
template <class J>
J read_json_text(const std::string& s) {
  return read_json_text_of<J>(s);
}

template <class T>
std::string dump_json(const json_t<T>& j) {
  return store_json_text<json_t<T>>(j);
}

template <class T>
json_t<T> parse_json(const std::string& s) {
  return read_json_text<json_t<T>>(s);
}

}  // namespace detail

template <detail::json_document T>
struct column_traits<T> {
  using storage_type = std::string;
  static constexpr column_kind kind = column_kind::json;
  static std::string to_storage(const T& v) { return detail::dump_json<T>(v); }
  static T from_storage(const std::string& s) { return T(detail::parse_json<T>(s)); }
};

template <detail::json_composite T>
struct column_traits<T> {
  using storage_type = std::string;
  static constexpr column_kind kind = column_kind::json;
  static std::string to_storage(const T& v) { return detail::dump_json<T>(detail::to_json(v)); }
  static T from_storage(const std::string& s) { return detail::from_json<T>(detail::parse_json<T>(s)); }
};

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/record/impl/base64.ipp>
#endif

#if defined(STOWAGE_SEPARATE_COMPILATION) && defined(STOWAGE_IMPLEMENTATION)
#include <nlohmann/json.hpp>

#include <stowage/record/impl/json.ipp>
#endif
