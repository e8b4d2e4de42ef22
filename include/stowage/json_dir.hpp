// The json_dir backend: database<stowage::json_dir> db{"dir:path/to/store"}. Needs only
// nlohmann_json.
#pragma once

// first: the core's compile-time checks then show a short include chain (see core.hpp)
#include <stowage/stowage.hpp>

#include <nlohmann/json.hpp>

#include <stowage/backend/json_dir.hpp>
