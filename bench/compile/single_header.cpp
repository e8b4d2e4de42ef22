// Compile-cost unit 4: the single headers (single_include/stowage/*.hpp) included and nothing
// used. Templates are not instantiated here, so stowage's own cost is what any program pays for
// reading the library (parsing it, and compiling what is not a template); the other units measure
// what using it costs. postgres.hpp joins them when libpq's header is found (run.py adds
// pg_config's include directory). Built with
// -DSTOWAGE_BENCH_DEPS_ONLY=<header>: only the headers the single headers include (Boost.Hana,
// nlohmann_json, sqlite3.h, the standard ones).
#ifdef STOWAGE_BENCH_DEPS_ONLY
#include STOWAGE_BENCH_DEPS_ONLY
#else
#include <stowage/json.hpp>
#include <stowage/json_dir.hpp>
#if __has_include(<libpq-fe.h>)
#include <stowage/postgres.hpp>
#endif
#include <stowage/sqlite.hpp>
#include <stowage/stowage.hpp>
#endif
