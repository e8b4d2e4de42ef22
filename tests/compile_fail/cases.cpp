// Misuse the compiler must refuse. check.cmake compiles this file as is (it must compile) and
// with one STOWAGE_BREAK_* macro defined (it must not, and must name the problem).
#include <stowage/stowage.hpp>

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event, (std::string, id), (std::string, schema), (stowage::timestamp, time));
};
struct Other {
  BOOST_HANA_DEFINE_STRUCT(Other, (std::string, id), (int, size));
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
  return static_cast<int>(q.count());
}
