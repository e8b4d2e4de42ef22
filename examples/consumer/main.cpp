// A program that uses an installed stowage: stores a record in SQLite and reads it back.
#include <stowage/sqlite.hpp>

#include <iostream>

struct Note {
  BOOST_HANA_DEFINE_STRUCT(Note,
    (std::string, id),
    (std::string, text));
};

int main() {
  stowage::database<stowage::sqlite> db{":memory:"};
  auto notes = db.table<Note>();
  notes.put({"n1", "stored and read back"});
  auto n = notes.get("n1");
  if (!n) return 1;
  std::cout << n->text << "\n";
  return 0;
}
