// The json_dir backend: database<stowage::json_dir> db{"dir:path/to/store"}. Needs only
// nlohmann_json. Records with nlohmann::json, nested-struct or vector fields include
// <stowage/json.hpp> as on every backend (when stowage is compiled once, a file that only uses
// json_dir does not parse nlohmann/json.hpp).
#pragma once

// first: the core's compile-time checks then show a short include chain (see core.hpp)
#include <stowage/stowage.hpp>

#include <stowage/backend/json_dir.hpp>
