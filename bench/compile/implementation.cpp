// Compile-cost unit 5: the one file of a separately compiled program (STOWAGE_SEPARATE_COMPILATION)
// that compiles stowage's functions, here for the backends of the other units (SQLite, json_dir).
// It is compiled once per program, not once per file. Built with -DSTOWAGE_BENCH_DEPS_ONLY=<header>:
// only the headers stowage includes.
#ifdef STOWAGE_BENCH_DEPS_ONLY
#include STOWAGE_BENCH_DEPS_ONLY
#else
#define STOWAGE_IMPLEMENTATION
#include <stowage/json_dir.hpp>
#include <stowage/sqlite.hpp>
#endif
