// stowage: typed records in any storage backend chosen at compile time.
// This header is the core: records, queries, stores and the memory backend. Each other
// backend has a header of its own (<stowage/sqlite.hpp>), the only one that needs its client
// library. Records with JSON, nested-struct or vector fields also need <nlohmann/json.hpp>
// (or <stowage/json.hpp>).
#pragma once

#include "backend/concepts.hpp"
#include "backend/memory.hpp"
#include "error.hpp"
#include "query/predicate.hpp"
#include "record/column.hpp"
#include "record/record.hpp"
#include "record/types.hpp"
#include "store/database.hpp"

#define STOWAGE_VERSION_MAJOR 0
#define STOWAGE_VERSION_MINOR 1
#define STOWAGE_VERSION_PATCH 0
