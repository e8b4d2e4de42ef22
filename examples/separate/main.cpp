// stowage compiled once: every file of this program is compiled with STOWAGE_SEPARATE_COMPILATION
// defined, and stowage.cpp compiles the library's functions for all of them.
#include <iostream>

#include "tasks.hpp"

int main(int argc, char** argv) {
  using stowage::where;
  stowage::database<stowage::sqlite> db{argc > 1 ? argv[1] : ":memory:"};
  add_tasks(db);
  auto tasks = db.table<Task>();
  for (const Task& t : tasks.query(where<&Task::done> == false).order_by<&Task::priority>(stowage::desc))
    std::cout << t.priority << "  " << t.title << "\n";
}
