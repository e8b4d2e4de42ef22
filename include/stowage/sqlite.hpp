// The SQLite backend: database<stowage::sqlite> db{"file:app.db"}. Needs libsqlite3.
#pragma once

#include <stowage/backend/sqlite.hpp>
#include <stowage/core.hpp>
