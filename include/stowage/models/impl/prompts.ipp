// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
// The parts of the prompts model that do not depend on the backend.
#pragma once

#include <algorithm>
#include <chrono>

namespace stowage::detail::prompts_impl {
using models::prompt_draft;
using models::prompt_field;
using models::prompt_patch;
using models::prompt_version;

inline constexpr std::string_view prompt_record = "stowage::models::prompt_version";
inline constexpr std::string_view prompt_table = "prompt_versions";

STOWAGE_INLINE void check_label(std::string_view what, std::string_view value) {
  bool ok = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
  if (!ok)
    throw bad_input_error(
        "a prompt's " + std::string(what) + " must be letters, digits, '_', '.' or '-' (at least one)",
        {std::string(prompt_record), std::string(prompt_table), std::string(value), {}});
}

STOWAGE_INLINE std::string prompt_key(std::string_view name, std::string_view version) {
  check_label("name", name);
  check_label("version", version);
  std::string key;
  key.reserve(name.size() + version.size() + 1);
  key.append(name).append(1, ':').append(version);
  return key;
}

STOWAGE_INLINE void prompt_not_found(std::string_view name, std::string_view version) {
  throw not_found_error(
      "no such prompt version",
      {std::string(prompt_record), std::string(prompt_table), std::string(name) + ":" + std::string(version), {}});
}

STOWAGE_INLINE void prompt_exists(std::string_view name, std::string_view version) {
  throw conflict_error(
      "the prompt version exists (create it with if_exists::overwrite to replace it)",
      {std::string(prompt_record), std::string(prompt_table), std::string(name) + ":" + std::string(version), {}});
}

STOWAGE_INLINE void prompt_name_not_found(std::string_view name) {
  throw not_found_error("the prompt has no versions",
                        {std::string(prompt_record), std::string(prompt_table), std::string(name), {}});
}

STOWAGE_INLINE stowage::timestamp prompt_now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

STOWAGE_INLINE prompt_version new_prompt_version(const prompt_draft& d, std::string key, std::int64_t sequence) {
  auto now = prompt_now();
  return prompt_version{std::move(key), d.name, d.version, d.system, d.user, d.config, sequence, true, now, now};
}

STOWAGE_INLINE void apply_patch(prompt_version& v, const prompt_patch& p) {
  if (p.system) v.system = *p.system;
  if (p.user) v.user = *p.user;
  if (p.config) v.config = *p.config;
  // strictly later, even within the clock's microsecond: a reader can tell that it changed
  v.updated_at = std::max(prompt_now(), v.updated_at + std::chrono::microseconds(1));
}

STOWAGE_INLINE predicate<prompt_version> prompt_search(std::string_view text, prompt_field field) {
  switch (field) {
    case prompt_field::name: return where<&prompt_version::name>.icontains(text);
    case prompt_field::system: return where<&prompt_version::system>.icontains(text);
    case prompt_field::user: return where<&prompt_version::user>.icontains(text);
    case prompt_field::all: break;
  }
  return where<&prompt_version::name>.icontains(text) || where<&prompt_version::system>.icontains(text) ||
         where<&prompt_version::user>.icontains(text);
}

// Appends a test of each scalar under `j` (an object) at its JSON pointer.
STOWAGE_INLINE void add_config_tests(const nlohmann::json& j, const std::string& at,
                                     std::optional<predicate<prompt_version>>& p) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string path = at + "/";
    for (char c : it.key()) {
      if (c == '~')
        path += "~0";
      else if (c == '/')
        path += "~1";
      else
        path += c;
    }
    const nlohmann::json& v = it.value();
    if (v.is_object() && !v.empty()) {
      add_config_tests(v, path, p);
      continue;
    }
    if (v.is_object() || v.is_array())
      throw bad_input_error(
          "search_by_config compares scalars only: an array or an empty object has no single "
          "place to compare",
          {std::string(prompt_record), std::string(prompt_table), path, {}});
    auto test = where<&prompt_version::config>.at(path) == v;
    p = p ? std::move(*p) && std::move(test) : std::move(test);
  }
}

STOWAGE_INLINE predicate<prompt_version> prompt_config_subset(const nlohmann::json& subset) {
  if (!subset.is_object())
    throw bad_input_error("search_by_config takes a JSON object",
                          {std::string(prompt_record), std::string(prompt_table), subset.dump(), {}});
  std::optional<predicate<prompt_version>> p;
  add_config_tests(subset, "", p);
  // an empty subset is held by every config: the whole document is always there
  return p ? std::move(*p) : where<&prompt_version::config>.at("").exists();
}

}  // namespace stowage::detail::prompts_impl
