// stowage with the PostgreSQL backend: database<stowage::postgres>. Needs libpq.
#pragma once

#include "backend/postgres.hpp"
#include "stowage.hpp"
