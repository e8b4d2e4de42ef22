// The events model on SQLite: an order's events linked to each other, a file stored with one of
// them, a query by schema, time and payload, and retention.
#include <stowage/models/events.hpp>
#include <stowage/sqlite.hpp>

#include <chrono>
#include <iostream>
#include <string>

using backend = stowage::sqlite;

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  using stowage::models::event;
  stowage::database<backend> db{argc > 1 ? argv[1] : ":memory:"};
  stowage::models::events events{db};

  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  event created = events.save_event(
      {.schema_id = "order.created", .created_at = now - 2h, .payload = {{"order", 17}, {"customer", "ada"}}});
  std::string receipt(2000, 'r');
  event paid = events.save_event(
      {.schema_id = "order.paid", .producer = "billing", .created_at = now - 1h, .payload = {{"order", 17}}},
      {{.media_type = "text/plain",
        .name = "receipt.txt",
        .content = stowage::bytes(reinterpret_cast<const std::byte*>(receipt.data()),
                                  reinterpret_cast<const std::byte*>(receipt.data()) + receipt.size())}},
      {{.type = "follows", .target = created.id}});

  // events are immutable: saving the same id again is a conflict
  try {
    events.save_event(stowage::models::to_new_event(paid));
    return 1;
  } catch (const stowage::conflict_error&) {
  }

  // order 17's events of the last three hours that follow its creation
  stowage::models::event_query q{.schema_ids = {"order.paid", "order.refunded"},
                                 .from = now - 3h,
                                 .to = now,
                                 .links = {{.type = "follows", .target = created.id}},
                                 .payload = {{"/order", 17}}};
  for (const event& e : events.query_events(q).page(10))
    std::cout << e.schema_id << " by " << e.producer << ", file " << events.get_file(e.files.at(0)).name.value_or("")
              << " of " << events.get_file(e.files.at(0)).size << " bytes\n";

  auto linked = events.get_linked_events(paid.id, "follows");
  stowage::bytes head = events.read_file(paid.files.at(0), 0, 5);
  std::uint64_t pruned = events.prune_before(now - 90min);  // the creation event goes
  std::cout << "pruned " << pruned << ", " << events.query_events().count() << " left\n";
  return linked.size() == 1 && linked[0].id == created.id && head.size() == 5 && pruned == 1 ? 0 : 1;
}
