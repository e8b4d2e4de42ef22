// Compile-cost unit 3: a record with a nlohmann::json field, a nested reflected struct field and a
// std::vector field, on SQLite (put, get and one query loop). Built with
// -DSTOWAGE_BENCH_DEPS_ONLY=<header>: only the headers stowage includes here (nlohmann's among them),
// and with -DSTOWAGE_BENCH_REFERENCE too: that plus one nlohmann::json dump and parse.
#ifdef STOWAGE_BENCH_DEPS_ONLY
#include STOWAGE_BENCH_DEPS_ONLY
#ifdef STOWAGE_BENCH_REFERENCE
// The reference (-DSTOWAGE_BENCH_REFERENCE with the deps-only header): what a program storing a
// JSON document as text compiles with nlohmann alone, one document written and read back.
int bench_json_fields() {
  nlohmann::json settings{{"theme", "dark"}};
  std::string text = settings.dump();
  return nlohmann::json::parse(text).size() == 1 ? 1 : 0;
}
#endif
#else
#include <stowage/json.hpp>
#include <stowage/sqlite.hpp>

#include <cstdint>
#include <string>
#include <vector>

struct Address {
  BOOST_HANA_DEFINE_STRUCT(Address, (std::string, street), (std::string, city), (int, zip));
};

struct Profile {
  BOOST_HANA_DEFINE_STRUCT(Profile,
    (std::int64_t, id),
    (std::string, name),
    (nlohmann::json, settings),
    (Address, address),
    (std::vector<std::string>, tags));
};

int bench_json_fields() {
  stowage::database<stowage::sqlite> db{":memory:"};
  auto profiles = db.table<Profile>();
  profiles.put({1, "Ada", nlohmann::json{{"theme", "dark"}}, {"Main St 1", "Lyon", 69001}, {"admin"}});
  int n = profiles.get(1) ? 1 : 0;
  for (const Profile& p : profiles.query(stowage::where<&Profile::name> == "Ada")) n += p.address.zip;
  return n;
}
#endif
