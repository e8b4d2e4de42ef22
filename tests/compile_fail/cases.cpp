// Misuse the compiler must refuse. check.cmake (and scripts/compile_fail_check.py) compiles this
// file as is (it must compile) and with one STOWAGE_BREAK_* macro defined (it must not, in at
// most 10 lines of output whose first error names the record and the field, or the backend).
// Each broken program goes on using what it broke, as a program would, so that any error
// cascading from the first one is counted.
#include <map>
#include <stowage/stowage.hpp>

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event, (std::string, id), (std::string, schema), (stowage::timestamp, time));
};
struct Other {
  BOOST_HANA_DEFINE_STRUCT(Other, (std::string, id), (int, size));
};

#if defined(STOWAGE_BREAK_UNSTORABLE_FIELD)
struct Sample {
  BOOST_HANA_DEFINE_STRUCT(Sample, (std::string, id), (std::map<int, int>, payload));
};
#elif defined(STOWAGE_BREAK_NO_KEY)
struct Sample {
  BOOST_HANA_DEFINE_STRUCT(Sample, (std::string, name), (int, payload));
};
#elif defined(STOWAGE_BREAK_NOT_REFLECTED)
struct Sample {
  std::string id;
  int payload = 0;
};
#else
struct Sample {
  BOOST_HANA_DEFINE_STRUCT(Sample, (std::string, id), (int, payload));
};
#endif

// A backend of the program's own, one member short of stowage::backend when the case asks.
struct my_backend : stowage::memory {
  using stowage::memory::memory;
#if defined(STOWAGE_BREAK_NOT_A_BACKEND)
  void clear(table_handle&) = delete;
#endif
};

int main() {
  stowage::database<stowage::memory> db;
  auto events = db.table<Event>();
  using stowage::where;
#if defined(STOWAGE_BREAK_MISSPELT_FIELD)
  auto q = events.query(where<&Event::shcema> == "order.created");
#elif defined(STOWAGE_BREAK_WRONG_VALUE_TYPE)
  auto q = events.query(where<&Event::time> == "yesterday");
#elif defined(STOWAGE_BREAK_FOREIGN_FIELD)
  auto q = events.query(where<&Event::schema> == "a").order_by<&Other::size>();
#else
  auto q = events.query(where<&Event::schema> == "order.created").order_by<&Event::time>();
#endif

  auto samples = db.table<Sample>();
  samples.put(Sample{});
  auto sample = samples.get(std::string("s-1"));
  auto n = samples.query().count();

  stowage::database<my_backend> mine;
  auto others = mine.table<Other>();
  others.put(Other{});
  others.clear();
  stowage::transact(mine, [&] { others.erase("o-1"); });
  return static_cast<int>(q.count() + n) + (sample ? 1 : 0);
}
