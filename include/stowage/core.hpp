// stowage's core without a backend: records, queries, stores and transactions.
// <stowage/stowage.hpp> adds the memory backend, and each backend's header includes that.
#pragma once

// First, so that the checks of records, backends, query values and set<> values (static_asserts
// in these three files) show an include chain of two lines above their message.
#include <stowage/query/predicate.hpp>
// (after predicate.hpp, which it includes)
#include <stowage/query/assignment.hpp>
#include <stowage/store/database.hpp>

#include <stowage/backend/concepts.hpp>
#include <stowage/error.hpp>
#include <stowage/query/assignment.hpp>
#include <stowage/query/predicate.hpp>
#include <stowage/record/column.hpp>
#include <stowage/record/record.hpp>
#include <stowage/record/types.hpp>
#include <stowage/store/database.hpp>

#define STOWAGE_VERSION_MAJOR 0
#define STOWAGE_VERSION_MINOR 1
#define STOWAGE_VERSION_PATCH 0
