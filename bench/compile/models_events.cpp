// Compile-cost unit: the events model, as its example program uses it (examples/models_events.cpp,
// on SQLite). Built with -DSTOWAGE_BENCH_DEPS_ONLY=<header>: only the headers stowage and the
// example include.
#ifdef STOWAGE_BENCH_DEPS_ONLY
#include STOWAGE_BENCH_DEPS_ONLY
#else
#include "../../examples/models_events.cpp"
#endif
