// stowage with the PostgreSQL backend: database<stowage::postgres>. Needs libpq.
#pragma once

#include <stowage/backend/postgres.hpp>
#include <stowage/core.hpp>
