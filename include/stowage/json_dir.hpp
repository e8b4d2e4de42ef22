// The json_dir backend: database<stowage::json_dir> db{"dir:path/to/store"}. Needs only
// nlohmann_json.
#pragma once

#include <nlohmann/json.hpp>

#include <stowage/backend/json_dir.hpp>
#include <stowage/core.hpp>
