// stowage: typed records in any storage backend chosen at compile time.
// This header is the core: records, queries, stores and the memory backend. Each other
// backend has a header of its own (<stowage/sqlite.hpp>), the only one that needs its client
// library. Records with JSON, nested-struct or vector fields also need <nlohmann/json.hpp>
// (or <stowage/json.hpp>).
#pragma once

// First, so that the checks of records, backends and query values (static_asserts in these two
// files) show an include chain of two lines above their message.
#include <stowage/query/predicate.hpp>
#include <stowage/store/database.hpp>

#include <stowage/backend/concepts.hpp>
#include <stowage/backend/memory.hpp>
#include <stowage/error.hpp>
#include <stowage/query/predicate.hpp>
#include <stowage/record/column.hpp>
#include <stowage/record/record.hpp>
#include <stowage/record/types.hpp>
#include <stowage/store/database.hpp>

#define STOWAGE_VERSION_MAJOR 0
#define STOWAGE_VERSION_MINOR 1
#define STOWAGE_VERSION_PATCH 0
