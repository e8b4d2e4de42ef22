// The SQLite backend: database<stowage::sqlite> db{"file:app.db"}. Needs libsqlite3.
#pragma once

#include "backend/sqlite.hpp"
#include "stowage.hpp"
