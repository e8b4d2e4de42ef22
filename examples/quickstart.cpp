// Events stored in a SQLite file, queried back and printed.
#include <stowage/json.hpp>
#include <stowage/sqlite.hpp>

#include <chrono>
#include <iostream>

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event,
    (std::string, id),
    (std::string, schema),
    (std::string, producer),
    (stowage::timestamp, time),
    (nlohmann::json, payload));
};

// Optional: the table's name and an index for the queries below.
template <>
struct stowage::record_traits<Event> {
  static constexpr std::string_view table = "events";
  using indexes = std::tuple<stowage::index<&Event::schema, &Event::time>>;
};

int main(int argc, char** argv) {
  using stowage::where;
  stowage::database<stowage::sqlite> db{argc > 1 ? argv[1] : "file:quickstart.db"};
  auto events = db.table<Event>();

  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  {
    auto tx = db.transaction();  // both or neither
    events.put({"evt-1", "order.created", "shop", now, {{"order", 17}, {"total", 25.5}}});
    events.put({"evt-2", "order.shipped", "warehouse", now + std::chrono::seconds(1), {{"order", 17}}});
    events.put({"evt-3", "order.created", "shop", now + std::chrono::seconds(2), {{"order", 18}, {"total", 9.0}}});
    tx.commit();
  }

  std::cout << "events in the store: " << events.count() << "\n";
  for (const Event& e :
       events.query(where<&Event::schema> == "order.created").order_by<&Event::time>(stowage::desc).limit(10))
    std::cout << e.id << "  " << e.schema << "  from " << e.producer << "  " << e.payload.dump() << "\n";

  if (std::optional<Event> one = events.get("evt-2")) std::cout << "evt-2 is " << one->schema << "\n";
}
