// The SQLite backend: database<stowage::sqlite> db{"file:app.db"}. Needs libsqlite3.
#pragma once

// first: the core's compile-time checks then show a short include chain (see core.hpp)
#include <stowage/stowage.hpp>

#include <stowage/backend/sqlite.hpp>
