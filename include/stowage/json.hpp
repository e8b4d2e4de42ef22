// The core plus nlohmann_json, for records with nlohmann::json, nested-struct or vector fields.
#pragma once

#include <nlohmann/json.hpp>

#include <stowage/stowage.hpp>
