// stowage with the PostgreSQL backend: database<stowage::postgres>. Needs libpq.
#pragma once

// first: the core's compile-time checks then show a short include chain (see core.hpp)
#include <stowage/stowage.hpp>

#include <stowage/backend/postgres.hpp>
