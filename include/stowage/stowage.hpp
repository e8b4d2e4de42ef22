// stowage: typed records in any storage backend chosen at compile time.
// This header is the core (records, queries, stores) and the memory backend. Each other
// backend has a header of its own (<stowage/sqlite.hpp>), the only one that needs its client
// library, which includes this one. Records with JSON, nested-struct or vector fields also need
// <nlohmann/json.hpp> (or <stowage/json.hpp>).
#pragma once

// first: the core's compile-time checks then show a short include chain (see core.hpp)
#include <stowage/core.hpp>

#include <stowage/backend/memory.hpp>
#include <stowage/uuid.hpp>
