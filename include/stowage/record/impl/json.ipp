// Compiled once, in the file that defines STOWAGE_IMPLEMENTATION, when stowage is compiled
// separately (header-only, the templates in json.hpp serve every JSON type directly).
#pragma once

namespace stowage::detail {

template <>
std::string json_dump<nlohmann::json>(const nlohmann::json& j) {
  return json_dump_of(j);
}

template <>
std::string store_json_text<nlohmann::json>(const nlohmann::json& j) {
  return store_json_text_of(j);
}

template <>
nlohmann::json read_json_text<nlohmann::json>(const std::string& s) {
  return read_json_text_of<nlohmann::json>(s);
}

}  // namespace stowage::detail
