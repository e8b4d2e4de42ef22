// Tests inside JSON fields: where<&Event::payload>.at("/order/id") == 17. The path is a JSON
// Pointer (RFC 6901) kept as its tokens, the value a small variant; no JSON library is needed
// here, as the in-process evaluator reads the stored JSON text itself (compiled once).
//
// The semantics, the same on every backend:
// - a path that leads nowhere (or into a document that is absent: an empty optional) is null;
// - == compares values of the same kind: numbers numerically (17 == 17.0) and exactly, by their
//   decimal values (an integer as it is, a double as the decimal of fewest digits that reads back
//   as it, as JSON text writes a double; a stored number as its text says), so that an integer
//   beyond 2^53 is never rounded, strings bytewise,
//   booleans with booleans, null with null; a number never equals a string ("17" != 17), and an
//   array or an object equals no value; != is the negation of ==, so it holds across kinds;
// - <, <=, >, >= order numbers with numbers and strings with strings (bytewise); across kinds,
//   and for booleans, null, arrays and objects, they are false;
// - in() is == with any of its values; exists() holds when the path leads to a value, null too.
// Every test is true or false, never SQL's unknown, so ! negates it exactly.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <stowage/detail/config.hpp>

namespace stowage {
namespace detail {

/// A value a JSON path is compared with: JSON null, a boolean, an integer, a double, a string, or
/// an unsigned integer above the int64 range.
using json_scalar = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, std::uint64_t>;

/// The tokens of a JSON Pointer with ~1 and ~0 decoded; the reason it is refused in `why` (and
/// an empty result) otherwise. Besides RFC 6901's rules, a token may not hold a double quote or
/// a NUL byte, which SQLite's JSON paths and PostgreSQL's text cannot carry.
std::vector<std::string> parse_json_pointer(std::string_view pointer, std::string& why);

/// Whether a token names an array element (RFC 6901: 0, or digits without a leading zero).
bool json_array_index(std::string_view token);

/// Whether a token reads as a number: an array index, or what a database might take for one
/// ("-1", "01", " 1").
bool json_number_like(std::string_view token);

[[noreturn]] void json_non_finite_refused(double d);

}  // namespace detail

/// A value on the right of a JSON-path comparison: nullptr, a boolean, an integer, a floating
/// point number, text, or a JSON value (nlohmann::json) holding one of those.
struct json_operand {
  detail::json_scalar v;

  json_operand(std::nullptr_t) : v(nullptr) {}
  template <class T>
  requires std::same_as<T, bool> json_operand(T b) : v(b) {}
  template <class T>
  requires(std::integral<T> && !std::same_as<T, bool>) json_operand(T i) {
    // an unsigned value above the int64 range keeps its own alternative, compared exactly
    if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8)
      if (i > static_cast<T>(std::numeric_limits<std::int64_t>::max())) {
        v = static_cast<std::uint64_t>(i);
        return;
      }
    v = static_cast<std::int64_t>(i);
  }
  template <std::floating_point T>
  json_operand(T d) {
    // JSON has no NaN and no infinity, and PostgreSQL's jsonb refuses them as values
    if (!(d >= -std::numeric_limits<T>::max() && d <= std::numeric_limits<T>::max()))
      detail::json_non_finite_refused(static_cast<double>(d));
    v = static_cast<double>(d);
  }
  json_operand(const char* s) : v(std::string(s)) {}
  json_operand(std::string_view s) : v(std::string(s)) {}
  json_operand(const std::string& s) : v(s) {}
  /// A JSON value (nlohmann::json): null, a boolean, a number or a string; an array or object
  /// is bad_input_error.
  template <class J>
  requires requires(const J& j) {
    j.is_null();
    j.is_boolean();
    j.is_number_integer();
    j.is_number_unsigned();
    j.is_number_float();
    j.is_string();
    j.dump();
  }
  json_operand(const J& j) {
    if (j.is_null())
      v = nullptr;
    else if (j.is_boolean())
      v = j.template get<bool>();
    else if (j.is_number_unsigned())
      *this = json_operand(j.template get<std::uint64_t>());
    else if (j.is_number_integer())
      v = j.template get<std::int64_t>();
    else if (j.is_number_float())
      *this = json_operand(j.template get<double>());
    else if (j.is_string())
      v = j.template get<std::string>();
    else
      refuse(j.dump());
  }

 private:
  [[noreturn]] static void refuse(const std::string& json);
};

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/query/impl/json_path.ipp>
#endif
