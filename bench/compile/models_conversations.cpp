// Compile-cost unit: the conversations model, as its example program uses it (examples/models_conversations.cpp,
// on SQLite). Built with -DSTOWAGE_BENCH_DEPS_ONLY=<header>: only the headers stowage and the
// example include.
#ifdef STOWAGE_BENCH_DEPS_ONLY
#include STOWAGE_BENCH_DEPS_ONLY
#else
#include "../../examples/models_conversations.cpp"
#endif
