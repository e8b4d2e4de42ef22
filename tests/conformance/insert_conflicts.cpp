// insert of a key that exists is a conflict, whatever else the record collides with.
#include <catch2/catch.hpp>

#include "backends.hpp"
#include "records.hpp"

using namespace conformance;

TEMPLATE_LIST_TEST_CASE("insert of an existing key is a conflict even when a unique index collides too",
                        "[conformance][crud][errors]", conformance_backends) {
  store<TestType> s;
  auto accounts = s->template table<account>();
  accounts.put({"a", "a@x", "ext-a", 1});
  accounts.put({"b", "b@x", "ext-b", 2});

  auto check = [&] {
    // the key checked first: the same record again, or one whose email is another record's
    CHECK_THROWS_AS(accounts.insert({"a", "a@x", "ext-a", 1}), stowage::conflict_error);
    CHECK_THROWS_AS(accounts.insert({"a", "b@x", std::nullopt, 3}), stowage::conflict_error);
    CHECK_THROWS_AS(accounts.insert({"a", "b@x", "ext-b", 3}), stowage::conflict_error);
    // a new key whose email is taken: the unique index refuses it
    CHECK_THROWS_AS(accounts.insert({"c", "a@x", std::nullopt, 3}), stowage::constraint_error);
    try {
      accounts.insert({"a", "b@x", std::nullopt, 3});
    } catch (const stowage::conflict_error& e) {
      CHECK(e.key().find('a') != std::string::npos);
    }
  };
  SECTION("outside a transaction") { check(); }
  SECTION("inside a transaction, which goes on") {
    auto tx = s->transaction();
    check();
    accounts.insert({"d", "d@x", std::nullopt, 4});
    tx.commit();
    CHECK(accounts.get("d"));
  }
  CHECK(accounts.count() == (accounts.get("d") ? 3u : 2u));
  CHECK(accounts.get("a")->balance == 1);
  CHECK(accounts.get("b")->balance == 2);
}
