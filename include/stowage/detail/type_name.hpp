// Compile-time names of types and enumerators, read from the compiler's function signature.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace stowage::detail {

/// The text of the template argument that follows `marker` in a function signature:
/// gcc writes "[with T = app::Event; ...]", clang "[T = app::Event]".
constexpr std::string_view signature_argument(std::string_view signature, std::string_view marker) {
  auto start = signature.find(marker) + marker.size();
  auto end = signature.find_first_of(";]", start);
  return signature.substr(start, end - start);
}

template <class T>
constexpr std::string_view raw_type_signature() {
  return __PRETTY_FUNCTION__;
}

/// The type's name as the compiler spells it, without namespaces ("Event" for app::Event).
template <class T>
constexpr std::string_view type_name() {
  std::string_view s = signature_argument(raw_type_signature<T>(), "T = ");
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
  std::string_view s = signature_argument(raw_value_signature<V>(), "V = ");
  // an unnamed value prints as a cast, "(Color)5" or "((anonymous namespace)::Color)5"
  auto colon = s.rfind("::");
  std::string_view name = colon == std::string_view::npos ? s : s.substr(colon + 2);
  if (name.empty() || name.find(')') != std::string_view::npos || name[0] == '(' || name[0] == '-' ||
      (name[0] >= '0' && name[0] <= '9'))
    return {};
  return name;
}

}  // namespace stowage::detail
