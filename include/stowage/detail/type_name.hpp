// Compile-time names of types and enumerators, read from the compiler's function signature.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace stowage::detail {

template <class T>
constexpr std::string_view raw_type_signature() {
  return __PRETTY_FUNCTION__;
}

/// The type's name as the compiler spells it, without namespaces ("Event" for app::Event).
template <class T>
constexpr std::string_view type_name() {
  std::string_view s = raw_type_signature<T>();
  // gcc: "... [with T = app::Event; ...]"  clang: "... [T = app::Event]"
  auto start = s.find("T = ") + 4;
  auto end = s.find_first_of(";]", start);
  s = s.substr(start, end - start);
  // drop namespaces, but not inside template arguments
  std::size_t depth = 0, cut = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<')
      ++depth;
    else if (s[i] == '>')
      --depth;
    else if (depth == 0 && s[i] == ':' && i + 1 < s.size() && s[i + 1] == ':')
      cut = i + 2;
  }
  return s.substr(cut);
}

template <auto V>
constexpr std::string_view raw_value_signature() {
  return __PRETTY_FUNCTION__;
}

/// The enumerator's name for V, or an empty view when V names no enumerator.
template <auto V>
constexpr std::string_view enumerator_name() {
  std::string_view s = raw_value_signature<V>();
  auto start = s.find("V = ") + 4;
  auto end = s.find_first_of(";]", start);
  s = s.substr(start, end - start);
  // an unnamed value prints as a cast, "(Color)5", or a bare number
  if (s.empty() || s[0] == '(' || s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) return {};
  auto colon = s.rfind("::");
  return colon == std::string_view::npos ? s : s.substr(colon + 2);
}

}  // namespace stowage::detail
