// A program that uses an installed stowage with the PostgreSQL backend. Given a server's URL it
// stores a record there and reads it back; without one it only reports the libpq it is linked
// with (the consumer test builds it without needing a server).
//
//   consumer_postgres postgresql://user@localhost/db
#include <stowage/postgres.hpp>

#include <iostream>

struct PgNote {
  BOOST_HANA_DEFINE_STRUCT(PgNote,
    (std::string, id),
    (std::string, text));
};

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cout << "linked with libpq " << PQlibVersion() << "\n";
    return 0;
  }
  stowage::database<stowage::postgres> db{argv[1]};
  auto notes = db.table<PgNote>();
  notes.put({"n1", "stored and read back"});
  auto n = notes.get("n1");
  if (!n) return 1;
  std::cout << n->text << "\n";
  notes.erase("n1");
  return 0;
}
