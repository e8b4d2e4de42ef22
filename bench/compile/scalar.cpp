// Compile-cost unit 1: one scalar record on SQLite (put, get and one query loop).
// Built with -DSTOWAGE_BENCH_DEPS_ONLY=<header> it holds only the headers stowage's own headers
// include for this unit (run.py writes that header from the preprocessor's include tree).
#ifdef STOWAGE_BENCH_DEPS_ONLY
#include STOWAGE_BENCH_DEPS_ONLY
#else
#include <stowage/sqlite.hpp>

#include <cstdint>
#include <string>

struct Reading {
  BOOST_HANA_DEFINE_STRUCT(Reading,
    (std::int64_t, id),
    (std::string, sensor),
    (int, floor),
    (double, celsius),
    (stowage::timestamp, taken));
};

int bench_scalar() {
  stowage::database<stowage::sqlite> db{":memory:"};
  auto readings = db.table<Reading>();
  readings.put({1, "roof", 3, 21.5, stowage::timestamp{}});
  int n = readings.get(1) ? 1 : 0;
  // the parentheses keep clang-format from reading "> >" as a shift
  for (const Reading& r : readings.query((stowage::where<&Reading::floor>) > 2)) n += r.floor;
  return n;
}
#endif
