// One of the program's files: it uses stowage like any other, and compiles none of its functions.
#include "tasks.hpp"

void add_tasks(stowage::database<stowage::sqlite>& db) {
  auto tasks = db.table<Task>();
  auto tx = db.transaction();
  tasks.put({1, "write the report", 2, false});
  tasks.put({2, "water the plants", 1, true});
  tasks.put({3, "book the train", 3, false});
  tx.commit();
}
