// stowage's functions, compiled once for the project's own programs when they are built with the
// CMake option STOWAGE_SEPARATE_COMPILATION (Meson: -Dseparate_compilation=true), as a user's
// program does it (README, "Compiling stowage once"). The build says which backends it has.
#define STOWAGE_IMPLEMENTATION
#include <stowage/json_dir.hpp>
#include <stowage/models/conversations.hpp>
#include <stowage/models/prompts.hpp>
#include <stowage/models/workflows.hpp>
#include <stowage/stowage.hpp>
#ifdef STOWAGE_IMPLEMENTATION_SQLITE
#include <stowage/sqlite.hpp>
#endif
#ifdef STOWAGE_IMPLEMENTATION_POSTGRES
#include <stowage/postgres.hpp>
#endif
#ifdef STOWAGE_IMPLEMENTATION_BLOBS
#include <stowage/blobs.hpp>
#include <stowage/models/events.hpp>
#endif
