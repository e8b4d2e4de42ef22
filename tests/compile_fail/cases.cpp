// Misuse the compiler must refuse. check.cmake (and scripts/compile_fail_check.py) compiles this
// file as is (it must compile) and with one STOWAGE_BREAK_* macro defined (it must not, in at
// most 10 lines of output whose first error names the record and the field, or the backend).
// Each broken program goes on using what it broke, as a program would, so that any error
// cascading from the first one is counted.
#include <map>
#include <stowage/stowage.hpp>
#include <vector>

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event, (std::string, id), (std::string, schema), (stowage::timestamp, time));
  int note = 0;  // not a field: left out of the list above
};
struct Other {
  BOOST_HANA_DEFINE_STRUCT(Other, (std::string, id), (int, size));
};

#if defined(STOWAGE_BREAK_UNSTORABLE_FIELD) || defined(STOWAGE_BREAK_UNSTORABLE_FIELD_IN_WHERE)
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
#elif defined(STOWAGE_BREAK_IN_WRONG_VALUE_TYPE)
  auto q = events.query(where<&Event::time>.in(std::vector<std::string>{"yesterday", "today"}));
#elif defined(STOWAGE_BREAK_STARTS_WITH_NOT_TEXT)
  auto q = events.query(where<&Event::time>.starts_with("2026-"));
#elif defined(STOWAGE_BREAK_LIKE_NOT_TEXT)
  auto q = events.query(where<&Event::time>.like("2026-%"));
#elif defined(STOWAGE_BREAK_NOT_A_FIELD)
  auto q = events.query(where<&Event::note>.in(std::vector<int>{1, 2}));
#elif defined(STOWAGE_BREAK_IS_NULL_NOT_OPTIONAL)
  auto q = events.query(where<&Event::schema>.is_null());
#elif defined(STOWAGE_BREAK_AT_NOT_JSON)
  auto q = events.query(where<&Event::schema>.at("/order/id") == 17);
#else
  // what the cases above break, used rightly
  auto q = events
               .query(where<&Event::schema> == "order.created" ||
                      where<&Event::schema>.in(std::vector<std::string>{"a", "b"}) ||
                      where<&Event::schema>.starts_with("order.") || where<&Event::schema>.like("order.%"))
               .order_by<&Event::time>();
#endif

#if defined(STOWAGE_BREAK_SET_KEY)
  auto changed = events.update(where<&Event::schema> == "a", stowage::set<&Event::id>("e-2"));
#elif defined(STOWAGE_BREAK_SET_WRONG_VALUE_TYPE)
  auto changed = events.update(where<&Event::schema> == "a", stowage::set<&Event::time>("yesterday"));
#else
  auto changed = events.update(where<&Event::schema> == "a", stowage::set<&Event::schema>("b"),
                               stowage::set<&Event::time>(stowage::timestamp{})) +
                 events.erase(where<&Event::schema> == "b");
#endif

#if defined(STOWAGE_BREAK_SELECT_FOREIGN_FIELD)
  auto picked = events.query().select<&Event::schema, &Other::size>().to_vector();
#else
  auto picked = events.query().select<&Event::schema, &Event::time>().to_vector();
#endif
#if defined(STOWAGE_BREAK_IN_QUERY_WRONG_TYPE)
  auto sized = events.count(where<&Event::id>.in(db.table<Other>().query().select<&Other::size>()));
#else
  auto sized = events.count(where<&Event::id>.in(db.table<Other>().query().select<&Other::id>()));
#endif
  auto groups = events.count_by<&Event::schema>(where<&Event::time> > stowage::timestamp{}).size() +
                events.distinct<&Event::time>().size();

  auto samples = db.table<Sample>();
  samples.put(Sample{});
  auto sample = samples.get(std::string("s-1"));
#if defined(STOWAGE_BREAK_UNSTORABLE_FIELD_IN_WHERE)
  auto n = samples.query(where<&Sample::payload> == std::map<int, int>{}).count();
#else
  auto n = samples.query().count();
#endif

  stowage::database<my_backend> mine;
  auto others = mine.table<Other>();
  others.put(Other{});
  others.clear();
  stowage::transact(mine, [&] { others.erase("o-1"); });
  return static_cast<int>(q.count() + n + changed + picked.size() + groups + sized) + (sample ? 1 : 0);
}
