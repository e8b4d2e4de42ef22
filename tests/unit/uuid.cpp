// Version 7 UUIDs: layout, order, uniqueness across threads and forked processes, text forms.
#include <catch2/catch.hpp>
#include <stowage/stowage.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

TEST_CASE("a new uuid is version 7 with the RFC variant and the time it was made", "[uuid]") {
  using namespace std::chrono;
  auto before = time_point_cast<milliseconds>(system_clock::now());
  stowage::uuid id = stowage::new_uuid();
  auto after = time_point_cast<milliseconds>(system_clock::now());
  CHECK((id.data[6] >> 4) == 7);
  CHECK((id.data[8] >> 6) == 2);
  CHECK(stowage::uuid_time(id) >= before);
  CHECK(stowage::uuid_time(id) <= after);
}

TEST_CASE("uuids one process makes are strictly increasing, in binary and in text", "[uuid]") {
  std::vector<stowage::uuid> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back(stowage::new_uuid());  // many per millisecond
  for (std::size_t i = 1; i < ids.size(); ++i) {
    REQUIRE(ids[i - 1] < ids[i]);
    REQUIRE(stowage::uuid_text(ids[i - 1]) < stowage::uuid_text(ids[i]));
  }
}

TEST_CASE("uuids made by several threads at once are all different and each thread's increase", "[uuid]") {
  constexpr int threads = 4, each = 5000;
  std::vector<std::vector<stowage::uuid>> made(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&made, t] {
      for (int i = 0; i < each; ++i) made[static_cast<std::size_t>(t)].push_back(stowage::new_uuid());
    });
  for (auto& w : workers) w.join();
  std::set<stowage::uuid> all;
  for (const auto& v : made) {
    CHECK(std::is_sorted(v.begin(), v.end()));
    all.insert(v.begin(), v.end());
  }
  CHECK(all.size() == threads * each);
}

TEST_CASE("a forked child makes uuids of its own, not its parent's next ones", "[uuid]") {
  stowage::new_uuid();  // the parent's generator is in use before the fork
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    for (int i = 0; i < 100; ++i) {
      stowage::uuid id = stowage::new_uuid();
      if (::write(fds[1], id.data, 16) != 16) ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::set<stowage::uuid> parent;
  for (int i = 0; i < 100; ++i) parent.insert(stowage::new_uuid());
  std::set<stowage::uuid> child_ids;
  stowage::uuid id{};
  while (::read(fds[0], id.data, 16) == 16) child_ids.insert(id);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(child_ids.size() == 100);
  for (const auto& c : child_ids) CHECK(parent.count(c) == 0);
}

TEST_CASE("uuid text is canonical and parsing accepts only that form", "[uuid]") {
  auto id = stowage::parse_uuid("0190A5E4-7B3C-7D2E-8F00-0123456789ab");
  REQUIRE(id);
  CHECK(stowage::uuid_text(*id) == "0190a5e4-7b3c-7d2e-8f00-0123456789ab");
  CHECK(stowage::uuid_time(*id).time_since_epoch().count() == 0x0190a5e47b3c);
  CHECK(stowage::parse_uuid(stowage::uuid_text(*id)) == id);
  for (std::string_view bad : {"", "0190a5e4-7b3c-7d2e-8f00-0123456789a", "0190a5e4-7b3c-7d2e-8f00-0123456789abc",
                               "0190a5e4_7b3c-7d2e-8f00-0123456789ab", "0190a5e4-7b3c-7d2e-8f00-0123456789ag",
                               "{0190a5e4-7b3c-7d2e-8f00-0123456789}", "0190a5e47b3c7d2e8f000123456789ab0000"})
    CHECK_FALSE(stowage::parse_uuid(bad));
}

namespace {
struct with_uuid {
  BOOST_HANA_DEFINE_STRUCT(with_uuid, (std::string, id), (stowage::uuid, ref));
};
struct with_text {
  BOOST_HANA_DEFINE_STRUCT(with_text, (std::string, id), (std::string, ref));
};
}  // namespace

template <>
struct stowage::record_traits<with_text> {
  static constexpr std::string_view table = "with_uuid";
};

TEST_CASE("stored text that is no uuid is read as corrupt data naming the record and the field", "[uuid]") {
  stowage::database<stowage::memory> db{"memory:"};
  db.table<with_text>().put({"a", "not a uuid"});
  try {
    db.table<with_uuid>().get("a");
    FAIL("read");
  } catch (const stowage::corrupt_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("'ref'") && Catch::Contains("no UUID"));
  }
}
