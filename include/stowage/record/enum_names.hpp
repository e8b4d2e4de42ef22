// Enumerations are stored by name. Names are found at compile time for enumerators whose value
// lies in [-128, 127] (or [0, 255] for an unsigned underlying type); any other enum can list its
// names by specializing stowage::enum_traits.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include <stowage/detail/type_name.hpp>

namespace stowage {

/// Customization point: the enumerators of E and their stored names.
///
///     template <> struct stowage::enum_traits<Level> {
///       static constexpr std::array<std::pair<Level, std::string_view>, 2> names{
///           {{Level::low, "low"}, {Level::high, "high"}}};
///     };
///
/// Law: names are distinct, and every value a record may hold appears once.
template <class E>
struct enum_traits;

namespace detail {

template <class E>
constexpr int enum_scan_first = std::is_unsigned_v<std::underlying_type_t<E>> ? 0 : -128;

template <class E, std::size_t... I>
constexpr auto scan_enumerators(std::index_sequence<I...>) {
  constexpr int first = enum_scan_first<E>;
  constexpr std::array<std::string_view, sizeof...(I)> all{
      enumerator_name<static_cast<E>(first + static_cast<int>(I))>()...};
  constexpr std::size_t named = ((all[I].empty() ? 0 : 1) + ... + 0);
  std::array<std::pair<E, std::string_view>, named> out{};
  std::size_t n = 0;
  ((all[I].empty() ? void() : void(out[n++] = {static_cast<E>(first + static_cast<int>(I)), all[I]})), ...);
  return out;
}

template <class E>
constexpr auto enum_table() {
  if constexpr (requires { enum_traits<E>::names; })
    return enum_traits<E>::names;
  else
    return scan_enumerators<E>(std::make_index_sequence<256>{});
}

template <class E>
inline constexpr auto enum_names_v = enum_table<E>();

template <class E>
constexpr std::optional<std::string_view> enum_to_name(E v) {
  for (const auto& [value, name] : enum_names_v<E>)
    if (value == v) return name;
  return std::nullopt;
}

template <class E>
constexpr std::optional<E> enum_from_name(std::string_view s) {
  for (const auto& [value, name] : enum_names_v<E>)
    if (name == s) return value;
  return std::nullopt;
}

}  // namespace detail
}  // namespace stowage
