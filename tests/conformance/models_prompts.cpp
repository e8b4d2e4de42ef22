// The prompts model (models/prompts.hpp) behaves the same on every backend: sequence numbers per
// name from a counter never reused while the name has versions, exactly one latest (the highest
// sequence), updates that touch only texts and config, searches, and creates from several threads
// and processes that number one name's versions 1..N without an error.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <stowage/models/prompts.hpp>

#include "backends.hpp"

using namespace conformance;
using stowage::models::if_exists;
using stowage::models::prompt_field;
using stowage::models::prompt_version;
using stowage::models::prompts;

namespace {

using labels = std::vector<std::string>;

template <class Q>
labels ids_of(const Q& q) {
  labels out;
  for (const prompt_version& v : q) out.push_back(v.id);
  return out;
}

// The invariants of the model, read from its tables: unique (name, version) and (name, sequence),
// exactly one latest per name and it is the highest sequence, and the counter agrees.
template <class B>
void check_invariants(prompts<B>& p) {
  auto all = p.version_table().query().to_vector();
  std::set<std::pair<std::string, std::string>> versions;
  std::set<std::pair<std::string, std::int64_t>> sequences;
  for (const prompt_version& v : all) {
    CHECK(v.id == v.name + ":" + v.version);
    CHECK(versions.insert({v.name, v.version}).second);
    CHECK(sequences.insert({v.name, v.sequence}).second);
  }
  for (const std::string& name : p.names()) {
    INFO("name " << name);
    std::vector<prompt_version> of_name = p.versions(name).to_vector();
    REQUIRE(!of_name.empty());
    CHECK(std::is_sorted(of_name.begin(), of_name.end(),
                         [](const prompt_version& a, const prompt_version& b) { return a.sequence < b.sequence; }));
    CHECK(std::count_if(of_name.begin(), of_name.end(), [](const prompt_version& v) { return v.latest; }) == 1);
    CHECK(of_name.back().latest);
    auto counter = p.counter_table().get(name);
    REQUIRE(counter);
    CHECK(counter->latest == of_name.back().version);
    CHECK(counter->next_sequence > of_name.back().sequence);
  }
  CHECK(p.counter_table().count() == p.names().size());
}

stowage::models::prompt_draft draft(std::string name, std::string version, std::string user = "hello") {
  return {std::move(name), std::move(version), "You are terse.", std::move(user), nlohmann::json::object()};
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("prompts: a name's versions are numbered 1, 2, 3 and the last created is the only latest",
                        "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  auto v1 = p.create_version(draft("greet", "v1"));
  auto v2 = p.create_version({"greet", "v2", "sys", "Hi {{name}}", {{"model", "m1"}, {"temperature", 0.5}}});
  auto other = p.create_version(draft("bye", "v1"));
  auto v3 = p.create_version(draft("greet", "v3"));
  CHECK(v1.sequence == 1);
  CHECK(v2.sequence == 2);
  CHECK(v3.sequence == 3);
  CHECK(other.sequence == 1);
  CHECK(v3.latest);
  CHECK(v3.created_at == v3.updated_at);

  // what create_version returned is what is stored, times to the microsecond
  auto back = p.get_version("greet", "v2");
  CHECK(back.system == "sys");
  CHECK(back.user == "Hi {{name}}");
  CHECK(back.config == nlohmann::json{{"model", "m1"}, {"temperature", 0.5}});
  CHECK(back.created_at == v2.created_at);
  CHECK(back.updated_at == v2.updated_at);
  CHECK_FALSE(back.latest);
  CHECK(p.find_latest("greet")->version == "v3");
  CHECK(p.get_latest("bye").version == "v1");
  CHECK(p.version_labels("greet") == labels{"v1", "v2", "v3"});
  check_invariants(p);
}

TEMPLATE_LIST_TEST_CASE("prompts: an existing version is a conflict unless overwrite is asked, which numbers it anew",
                        "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  p.create_version(draft("greet", "v1", "first"));
  p.create_version(draft("greet", "v2"));
  CHECK_THROWS_AS(p.create_version(draft("greet", "v1", "again")), stowage::conflict_error);
  try {
    p.create_version(draft("greet", "v1", "again"));
  } catch (const stowage::conflict_error& e) {
    CHECK(e.key() == "greet:v1");
    CHECK(e.table() == "prompt_versions");
  }
  // the refused create changed nothing, the counter included
  CHECK(p.get_version("greet", "v1").user == "first");
  CHECK(p.find_latest("greet")->version == "v2");
  CHECK(p.counter_table().get("greet")->next_sequence == 3);

  auto again = p.create_version(draft("greet", "v1", "again"), if_exists::overwrite);
  CHECK(again.sequence == 3);
  CHECK(again.latest);
  CHECK(p.get_version("greet", "v1").user == "again");
  CHECK(p.find_latest("greet")->version == "v1");
  CHECK(p.version_labels("greet") == labels{"v2", "v1"});
  // overwriting the latest itself keeps one latest and numbers it again
  auto third = p.create_version(draft("greet", "v1", "third"), if_exists::overwrite);
  CHECK(third.sequence == 4);
  CHECK(p.version_table().count() == 2);
  check_invariants(p);
}

TEMPLATE_LIST_TEST_CASE(
    "prompts: sequence numbers are not reused after removing the highest, and restart at 1 on an "
    "empty name",
    "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  p.create_version(draft("greet", "a"));
  p.create_version(draft("greet", "b"));
  p.create_version(draft("greet", "c"));
  p.delete_version("greet", "c");
  CHECK(p.create_version(draft("greet", "d")).sequence == 4);
  check_invariants(p);

  for (const char* v : {"a", "b", "d"}) p.delete_version("greet", v);
  CHECK(p.names().empty());
  CHECK_FALSE(p.counter_table().get("greet"));
  CHECK_FALSE(p.find_latest("greet"));
  CHECK_THROWS_AS(p.get_latest("greet"), stowage::not_found_error);
  CHECK(p.create_version(draft("greet", "a")).sequence == 1);
  check_invariants(p);
}

TEMPLATE_LIST_TEST_CASE("prompts: deleting the latest makes the highest remaining sequence the latest",
                        "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  for (const char* v : {"v1", "v2", "v3", "v4"}) p.create_version(draft("greet", v));
  p.delete_version("greet", "v2");  // not the latest: the latest stays
  CHECK(p.find_latest("greet")->version == "v4");
  p.delete_version("greet", "v4");
  CHECK(p.find_latest("greet")->version == "v3");
  CHECK(p.get_version("greet", "v3").latest);
  check_invariants(p);
  p.delete_version("greet", "v3");
  CHECK(p.find_latest("greet")->version == "v1");
  check_invariants(p);

  CHECK_THROWS_AS(p.delete_version("greet", "v3"), stowage::not_found_error);
  CHECK_THROWS_AS(p.delete_version("nobody", "v1"), stowage::not_found_error);
  check_invariants(p);
}

TEMPLATE_LIST_TEST_CASE("prompts: update_version changes texts and config only and moves updated_at forward",
                        "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  auto v1 = p.create_version({"greet", "v1", "sys one", "user one", {{"model", "m1"}}});
  p.create_version(draft("greet", "v2"));

  auto changed = p.update_version("greet", "v1", {.user = "user two"});
  CHECK(changed.system == "sys one");
  CHECK(changed.user == "user two");
  CHECK(changed.config == nlohmann::json{{"model", "m1"}});
  CHECK(changed.sequence == 1);
  CHECK_FALSE(changed.latest);  // an old version stays old
  CHECK(changed.created_at == v1.created_at);
  CHECK(changed.updated_at > v1.updated_at);
  CHECK(p.find_latest("greet")->version == "v2");

  auto again = p.update_version("greet", "v1", {.system = "sys two", .config = nlohmann::json{{"model", "m2"}}});
  CHECK(again.updated_at > changed.updated_at);
  auto back = p.get_version("greet", "v1");
  CHECK(back.system == "sys two");
  CHECK(back.user == "user two");
  CHECK(back.config == nlohmann::json{{"model", "m2"}});
  CHECK(back.updated_at == again.updated_at);
  CHECK(back.created_at == v1.created_at);

  CHECK_THROWS_AS(p.update_version("greet", "v9", {.user = "x"}), stowage::not_found_error);
  check_invariants(p);
}

TEMPLATE_LIST_TEST_CASE("prompts: get_version, find_version, version_exists, names, versions and list, in their orders",
                        "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  // labels created out of their text order: versions come in sequence order
  for (const char* v : {"v10", "v2", "v1"}) p.create_version(draft("zeta", v));
  p.create_version(draft("alpha", "x"));
  p.create_version(draft("Beta", "y"));

  CHECK(p.names() == labels{"Beta", "alpha", "zeta"});  // bytewise
  CHECK(p.version_labels("zeta") == labels{"v10", "v2", "v1"});
  CHECK(ids_of(p.versions("zeta")) == labels{"zeta:v10", "zeta:v2", "zeta:v1"});
  CHECK(ids_of(p.list()) == labels{"Beta:y", "alpha:x", "zeta:v10", "zeta:v2", "zeta:v1"});
  CHECK(p.version_labels("nobody").empty());

  // a name's versions a page at a time
  auto first = p.versions("zeta").page(2);
  REQUIRE(first.next);
  CHECK(ids_of(first) == labels{"zeta:v10", "zeta:v2"});
  CHECK(ids_of(p.versions("zeta").page_after(*first.next, 2)) == labels{"zeta:v1"});

  CHECK(p.version_exists("zeta", "v2"));
  CHECK_FALSE(p.version_exists("zeta", "v3"));
  CHECK_FALSE(p.find_version("zeta", "v3"));
  CHECK(p.find_version("alpha", "x")->sequence == 1);
  CHECK_THROWS_AS(p.get_version("zeta", "v3"), stowage::not_found_error);
  try {
    p.get_version("zeta", "v3");
  } catch (const stowage::not_found_error& e) {
    CHECK(e.key() == "zeta:v3");
  }
  // the model's records are ordinary records
  CHECK(s->template table<prompt_version>().count(stowage::where<&prompt_version::latest> == true) == 3);
}

TEMPLATE_LIST_TEST_CASE("prompts: names and version labels are checked, as bad input naming the value",
                        "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  CHECK(p.create_version(draft("a-b_c.d", "v1.0-rc_2")).sequence == 1);  // every allowed character
  for (const char* bad : {"", "with space", "a/b", "a:b", "caf\xc3\xa9", "x\n"}) {
    INFO("label '" << bad << "'");
    CHECK_THROWS_AS(p.create_version(draft(bad, "v1")), stowage::bad_input_error);
    CHECK_THROWS_AS(p.create_version(draft("ok", bad)), stowage::bad_input_error);
    CHECK_THROWS_AS(p.find_version(bad, "v1"), stowage::bad_input_error);
    CHECK_THROWS_AS(p.find_latest(bad), stowage::bad_input_error);
    CHECK_THROWS_AS(p.delete_version("ok", bad), stowage::bad_input_error);
  }
  try {
    p.create_version(draft("bad name", "v1"));
    FAIL("a name with a space was accepted");
  } catch (const stowage::bad_input_error& e) {
    CHECK(e.key() == "bad name");
    CHECK(std::string(e.what()).find("name") != std::string::npos);
  }
  CHECK(p.version_table().count() == 1);
  CHECK(p.names() == labels{"a-b_c.d"});
}

TEMPLATE_LIST_TEST_CASE("prompts: search finds text in names and texts in either case, or in one field",
                        "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  p.create_version({"summarize", "v1", "You summarize.", "Text: {{text}}", nlohmann::json::object()});
  p.create_version({"translate", "v1", "You TRANSLATE documents.", "Into French: {{text}}", nlohmann::json::object()});
  p.create_version({"greet", "v1", "Be kind.", "Hello, SUMMARY reader", nlohmann::json::object()});

  CHECK(ids_of(p.search("summar")) == labels{"greet:v1", "summarize:v1"});
  CHECK(ids_of(p.search("SUMMAR", prompt_field::name)) == labels{"summarize:v1"});
  CHECK(ids_of(p.search("summar", prompt_field::user)) == labels{"greet:v1"});
  CHECK(ids_of(p.search("translate", prompt_field::system)) == labels{"translate:v1"});
  CHECK(ids_of(p.search("{{TEXT}}")) == labels{"summarize:v1", "translate:v1"});
  CHECK(ids_of(p.search("100%")).empty());  // no wildcards
  CHECK(p.search("e").count() == 3);
}

TEMPLATE_LIST_TEST_CASE("prompts: search_by_config selects configs holding each scalar of a subset at its path",
                        "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  p.create_version({"a", "v1", "", "", {{"model", "m1"}, {"params", {{"temperature", 0.2}, {"top/p", 1}}}}});
  p.create_version({"a", "v2", "", "", {{"model", "m1"}, {"params", {{"temperature", 0.7}}}, {"tools", {"search"}}}});
  p.create_version({"b", "v1", "", "", {{"model", "m2"}, {"stream", true}}});
  p.create_version({"c", "v1", "", "", {{"model", "17"}}});

  CHECK(ids_of(p.search_by_config({{"model", "m1"}})) == labels{"a:v1", "a:v2"});
  CHECK(ids_of(p.search_by_config({{"model", "m1"}, {"params", {{"temperature", 0.2}}}})) == labels{"a:v1"});
  CHECK(ids_of(p.search_by_config({{"params", {{"top/p", 1.0}}}})) == labels{"a:v1"});  // numbers numerically
  CHECK(ids_of(p.search_by_config({{"stream", true}})) == labels{"b:v1"});
  CHECK(ids_of(p.search_by_config({{"model", 17}})).empty());  // a number is not a string
  CHECK(ids_of(p.search_by_config({{"model", "m3"}})).empty());
  CHECK(p.search_by_config(nlohmann::json::object()).count() == 4);  // every config holds {}
  CHECK_THROWS_AS(p.search_by_config({{"tools", {"search"}}}), stowage::bad_input_error);
  CHECK_THROWS_AS(p.search_by_config({{"params", nlohmann::json::object()}}), stowage::bad_input_error);
  CHECK_THROWS_AS(p.search_by_config(nlohmann::json::array()), stowage::bad_input_error);
}

TEMPLATE_LIST_TEST_CASE("prompts: stats count versions and names and name the version created last",
                        "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  auto empty = p.stats();
  CHECK(empty.total_versions == 0);
  CHECK(empty.unique_names == 0);
  CHECK_FALSE(empty.most_recent);
  p.create_version(draft("a", "v1"));
  p.create_version(draft("b", "v1"));
  p.create_version(draft("a", "v2"));
  p.update_version("b", "v1", {.user = "changed"});  // an update is no creation
  auto st = p.stats();
  CHECK(st.total_versions == 3);
  CHECK(st.unique_names == 2);
  REQUIRE(st.most_recent);
  CHECK(st.most_recent->id == "a:v2");
}

TEMPLATE_LIST_TEST_CASE(
    "prompts: a create or remove that fails midway leaves nothing, and a rolled back caller's "
    "transaction undoes them",
    "[conformance][models][prompts]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  p.create_version(draft("greet", "v1"));
  // the old latest is unflagged before the new version is refused (JSON holds no NaN)
  CHECK_THROWS_AS(p.create_version({"greet", "v2", "", "", {{"t", std::nan("")}}}), stowage::bad_input_error);
  CHECK_FALSE(p.version_exists("greet", "v2"));
  CHECK(p.get_version("greet", "v1").latest);
  CHECK(p.counter_table().get("greet")->next_sequence == 2);
  CHECK_THROWS_AS(p.update_version("greet", "v1", {.config = nlohmann::json{{"t", std::nan("")}}}),
                  stowage::bad_input_error);
  CHECK(p.get_version("greet", "v1").config == nlohmann::json::object());
  check_invariants(p);

  {
    auto tx = s->transaction();
    p.create_version(draft("greet", "v2"));
    p.create_version(draft("other", "v1"));
    p.delete_version("greet", "v1");
  }  // rolled back
  CHECK(p.version_labels("greet") == labels{"v1"});
  CHECK(p.names() == labels{"greet"});
  CHECK(p.create_version(draft("greet", "v2")).sequence == 2);
  check_invariants(p);
}

TEMPLATE_LIST_TEST_CASE("prompts: a reopened store goes on numbering where it stopped",
                        "[conformance][models][prompts]", conformance_backends) {
  if constexpr (!TestType::persistent) return;
  store<TestType> s;
  {
    prompts p{*s};
    p.create_version(draft("greet", "v1"));
    p.create_version(draft("greet", "v2"));
    p.delete_version("greet", "v2");
  }
  s.reopen();
  prompts p{*s};
  CHECK(p.create_version(draft("greet", "v3")).sequence == 3);
  check_invariants(p);
}

namespace {

// Versions each thread or process creates: the 500 in optimized builds, fewer in
// unoptimized and sanitized ones. json_dir flushes the file system at each commit (tens of ms
// on a busy machine): 50 and 25 keep its cases to seconds.
template <class B>
constexpr int creates_per_writer() {
#ifdef NDEBUG
  return std::is_same_v<B, json_directory> ? 50 : 500;
#else
  return std::is_same_v<B, json_directory> ? 25 : 150;
#endif
}

// After `total` creates of versions of "shared": sequences exactly 1..total, one latest, the last.
template <class B>
void check_numbered(prompts<B>& p, int total) {
  std::vector<prompt_version> all = p.versions("shared").to_vector();
  REQUIRE(all.size() == static_cast<std::size_t>(total));
  for (int i = 0; i < total; ++i) CHECK(all[static_cast<std::size_t>(i)].sequence == i + 1);
  CHECK(p.version_table().count(stowage::where<&prompt_version::latest> == true) == 1);
  CHECK(all.back().latest);
  check_invariants(p);
}

// "t3-17": writer 3's version 17 (built piece by piece: g++ -O3 warns falsely about
// "t" + std::to_string(...), stringop-overflow)
std::string writer_label(char kind, int writer, int i) {
  std::string s(1, kind);
  s += std::to_string(writer);
  s += '-';
  s += std::to_string(i);
  return s;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("prompts: four threads creating versions of one name number them 1..N without an error",
                        "[conformance][models][prompts][threads]", conformance_backends) {
  store<TestType> s;
  prompts p{*s};
  constexpr int threads = 4;
  std::atomic<int> errors{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < creates_per_writer<TestType>(); ++i) {
        try {
          p.create_version(draft("shared", writer_label('t', t, i)));
        } catch (const std::exception& e) {
          if (errors++ == 0) std::cerr << "create failed: " << e.what() << "\n";
        }
      }
    });
  for (auto& th : pool) th.join();
  CHECK(errors == 0);
  check_numbered(p, threads * creates_per_writer<TestType>());
}

TEMPLATE_LIST_TEST_CASE("prompts: two processes creating versions of one name number them 1..N without an error",
                        "[conformance][models][prompts][processes]", conformance_backends) {
  if constexpr (!TestType::persistent) return;  // memory and SQLite's :memory: live in one process
  store<TestType> s;
  { prompts p{*s}; }  // the tables exist before the processes start
  s.db.reset();       // nothing open across fork()
  constexpr int processes = 2;
  std::vector<pid_t> children;
  for (int k = 0; k < processes; ++k) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 0;
      try {
        auto db = s.another();
        prompts p{*db};
        for (int i = 0; i < creates_per_writer<TestType>(); ++i)
          p.create_version(draft("shared", writer_label('p', k, i)));
      } catch (const std::exception& e) {
        std::cerr << "create failed in process " << k << ": " << e.what() << "\n";
        code = 1;
      }
      ::_exit(code);  // no destructor of the parent's objects runs here
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  s.reopen();
  prompts p{*s};
  check_numbered(p, processes * creates_per_writer<TestType>());
}
