// What is particular to the json_dir backend: the files people read and edit.
#include <catch2/catch.hpp>
#include <stowage/json.hpp>
#include <stowage/json_dir.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace {
struct Prompt {
  BOOST_HANA_DEFINE_STRUCT(Prompt,
    (std::string, id),
    (std::string, text),
    (int, version),
    (stowage::timestamp, created),
    (nlohmann::json, config));
};

class store_dir {
 public:
  store_dir()
      : path(fs::temp_directory_path() / ("stowage-jd-" + std::to_string(::getpid()) + "-" + std::to_string(n++))) {
    fs::remove_all(path);
  }
  ~store_dir() { fs::remove_all(path); }
  std::string url() const { return "dir:" + path.string(); }
  fs::path path;
  static inline int n = 0;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(fs::relative(e.path(), dir).string());
  return out;
}

Prompt sample(std::string id) {
  return {std::move(id),
          "Summarize: {{text}}",
          3,
          stowage::timestamp(std::chrono::microseconds(1700000000123456)),
          {{"model", "small"}, {"temperature", 0.5}}};
}
}  // namespace

TEST_CASE("a record is a pretty-printed JSON file with sorted keys and a final newline") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  db.table<Prompt>().put(sample("greeting"));
  std::string text = slurp(d.path / "^prompt" / "greeting.json");
  CHECK(text ==
        "{\n"
        "  \"config\": {\n"
        "    \"model\": \"small\",\n"
        "    \"temperature\": 0.5\n"
        "  },\n"
        "  \"created\": \"2023-11-14T22:13:20.123456Z\",\n"
        "  \"id\": \"greeting\",\n"
        "  \"text\": \"Summarize: {{text}}\",\n"
        "  \"version\": 3\n"
        "}\n");
  CHECK(files_in(d.path) == std::set<std::string>{".lock", "^prompt", "^prompt/.schema.json", "^prompt/greeting.json"});
}

TEST_CASE("hostile keys stay inside their directory and map to distinct names") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  std::vector<std::string> keys = {"../../etc/passwd",
                                   "/abs",
                                   "a/b",
                                   "a\\b",
                                   "..",
                                   ".",
                                   ".hidden",
                                   "",
                                   std::string("nul\0byte", 8),
                                   "tab\there",
                                   "\x01\x1f",
                                   "Readme",
                                   "readme",
                                   "README",
                                   "con",
                                   "NUL",
                                   "com1.txt",
                                   "%41",
                                   "A",
                                   "ключ",
                                   std::string(300, 'k'),
                                   std::string(300, 'k') + "x",
                                   std::string(250, '/'),
                                   "a~b"};
  for (const auto& k : keys) prompts.put(sample(k));
  CHECK(prompts.count() == keys.size());
  for (const auto& k : keys) {
    auto p = prompts.get(k);
    REQUIRE(p);
    CHECK(p->id == k);
  }
  std::set<std::string> lowered;
  for (const auto& e : fs::directory_iterator(d.path / "^prompt")) {
    std::string name = e.path().filename().string();
    CHECK(name.size() <= 200);
    CHECK(e.path().parent_path() == d.path / "^prompt");
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(lowered.insert(lower).second);  // no two names differ only by case
  }
  CHECK(fs::exists(d.path / "^prompt" / "%2e.%2f..%2fetc%2fpasswd.json"));
  CHECK_FALSE(fs::exists(d.path / "etc"));
  for (const auto& k : keys) CHECK(prompts.erase(k));
  CHECK(prompts.count() == 0);
}

TEST_CASE("file names decode back to their keys") {
  using namespace stowage::detail::json_dir_impl;
  for (const std::string& k : std::vector<std::string>{"", "a", "A", "Readme", "^x", "../x", std::string("\0", 1), "ü",
                                                       "con", "a.b", ".a", "100%"}) {
    auto name = encode_file_name(k);
    CHECK(name.find('/') == std::string::npos);
    CHECK(decode_file_name(name) == k);
  }
  CHECK_FALSE(decode_file_name(encode_file_name(std::string(400, 'x'))));  // hashed: the file holds the key
}

TEST_CASE("a file edited by hand is picked up, and fields the record does not know are kept") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  prompts.put(sample("p"));
  auto file = d.path / "^prompt" / "p.json";
  std::string text = slurp(file);
  text.replace(text.find("\"version\": 3"), 12, "\"version\": 4,\n  \"reviewer\": \"kim\"");
  spit(file, text);

  auto edited = prompts.get("p");
  REQUIRE(edited);
  CHECK(edited->version == 4);
  CHECK(prompts.count(stowage::where<&Prompt::version> == 4) == 1);

  edited->text = "rewritten";
  prompts.put(*edited);
  std::string after = slurp(file);
  CHECK(after.find("\"reviewer\": \"kim\"") != std::string::npos);
  CHECK(after.find("rewritten") != std::string::npos);
}

TEST_CASE("a truncated file is a corrupt error naming the file and line; the others stay readable") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  for (std::string id : {"a", "b", "c"}) prompts.put(sample(id));
  auto file = d.path / "^prompt" / "b.json";
  std::string text = slurp(file);
  spit(file, text.substr(0, text.size() / 2));

  CHECK(prompts.get("a"));
  CHECK(prompts.get("c"));
  try {
    (void)prompts.get("b");
    FAIL("a truncated file was read");
  } catch (const stowage::corrupt_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("b.json") && Catch::Contains("line 6"));
  }
  CHECK_THROWS_AS(prompts.count(), stowage::corrupt_error);                 // a query cannot silently skip a record
  REQUIRE_THROWS_AS(prompts.insert(sample("b")), stowage::conflict_error);  // the file is there
  prompts.put(sample("b"));                                                 // replacing the record repairs it
  CHECK(prompts.count() == 3);
}

TEST_CASE("a value of the wrong type in a file names the file and the field") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  prompts.put(sample("x"));
  auto file = d.path / "^prompt" / "x.json";
  std::string text = slurp(file);
  text.replace(text.find("\"version\": 3"), 12, "\"version\": \"three\"");
  spit(file, text);
  try {
    (void)prompts.get("x");
    FAIL("a string was read as an int");
  } catch (const stowage::corrupt_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("'version'") && Catch::Contains("x.json"));
  }
}

TEST_CASE("a second query over unchanged files reads none of them again") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  std::vector<Prompt> batch;
  for (int i = 0; i < 10000; ++i) {
    auto p = sample(std::string("p").append(std::to_string(i)));  // not "p" + ...: a false g++ 12 -O3 warning
    p.version = i % 10;
    batch.push_back(p);
  }
  prompts.put_many(batch);
  // files changed in the last 100 ms are always read again (their timestamps may not tell)
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  auto& backend = db.backend();
  CHECK(prompts.count(stowage::where<&Prompt::version> == 3) == 1000);
  auto after_first = backend.files_read();
  CHECK(prompts.count(stowage::where<&Prompt::version> == 4) == 1000);
  CHECK(backend.files_read() == after_first);

  // a file changed behind the store's back is read again, and only that one
  auto file = d.path / "^prompt" / "p7.json";
  std::string text = slurp(file);
  text.replace(text.find("\"version\": 7"), 12, "\"version\": 4");
  spit(file, text);
  CHECK(prompts.count(stowage::where<&Prompt::version> == 4) == 1001);
  CHECK(backend.files_read() == after_first + 1);
}

TEST_CASE("a journal left by a crash is replayed when the store opens") {
  store_dir d;
  {
    stowage::database<stowage::json_dir> db{d.url()};
    db.table<Prompt>().put(sample("old"));
  }
  // what a transaction leaves behind when it dies after its commit point
  nlohmann::json journal = nlohmann::json::array();
  std::string content = slurp(d.path / "^prompt" / "old.json");
  content.replace(content.find("\"old\""), 5, "\"new\"");
  journal.push_back({{"table", "^prompt"}, {"file", "new"}, {"content", content}});
  journal.push_back({{"table", "^prompt"}, {"file", "old"}, {"content", nullptr}});
  spit(d.path / ".journal", journal.dump());
  spit(d.path / "^prompt" / ".tmp-half-written", "{\"id\": ");

  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  CHECK_FALSE(fs::exists(d.path / ".journal"));
  CHECK_FALSE(fs::exists(d.path / "^prompt" / ".tmp-half-written"));
  CHECK_FALSE(prompts.get("old"));
  CHECK(prompts.count() == 1);
  CHECK(fs::exists(d.path / "^prompt" / "new.json"));
  CHECK(prompts.get("new"));
}

namespace {
/// Every file under a directory with its content.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out[fs::relative(e.path(), dir).string()] = e.is_regular_file() ? slurp(e.path()) : "(directory)";
  return out;
}

/// Opens the store and expects a corrupt_error naming the journal, and no other exception.
void expect_corrupt_journal(const store_dir& d) {
  try {
    stowage::database<stowage::json_dir> db{d.url()};
    FAIL("the store opened");
  } catch (const stowage::corrupt_error& e) {
    CHECK_THAT(e.what(), Catch::Contains((d.path / ".journal").string()));
  } catch (const std::exception& e) {
    FAIL("not a corrupt_error: " << e.what());
  }
}
}  // namespace

TEST_CASE("a journal naming a path outside its store is corrupt, and nothing of it is applied") {
  store_dir d, outside_dir;  // side by side in the temporary directory
  const fs::path outside = outside_dir.path;
  fs::create_directories(outside);
  spit(outside / "victim.json", "{}\n");
  const std::string out_name = outside.filename().string();
  {
    stowage::database<stowage::json_dir> db{d.url()};
    db.table<Prompt>().put(sample("old"));
  }
  std::string text = slurp(d.path / "^prompt" / "old.json");
  // an entry that is fine, which must not be applied either, since the journal as a whole is not
  nlohmann::json fine = {{"table", "^prompt"}, {"file", "old"}, {"content", nullptr}};
  nlohmann::json hostile;
  SECTION("a table that climbs out, writing") {
    hostile = {{"table", "../" + out_name}, {"file", "pwned"}, {"content", text}};
  }
  SECTION("a table that climbs out, deleting") {
    hostile = {{"table", "../" + out_name}, {"file", "victim"}, {"content", nullptr}};
  }
  SECTION("a file that climbs out, deleting") {
    hostile = {{"table", "^prompt"}, {"file", "../../" + out_name + "/victim"}, {"content", nullptr}};
  }
  SECTION("an absolute table path") { hostile = {{"table", outside.string()}, {"file", "pwned"}, {"content", text}}; }
  SECTION("the root itself as the table") { hostile = {{"table", "."}, {"file", "pwned"}, {"content", text}}; }
  SECTION("a file name no key encodes to") { hostile = {{"table", "^prompt"}, {"file", "Pwned"}, {"content", text}}; }
  SECTION("a long name with a forged hash") {
    hostile = {{"table", "^prompt"}, {"file", "a/b~0123456789abcdef"}, {"content", text}};
  }
  spit(d.path / ".journal", nlohmann::json::array({fine, hostile}).dump());
  const auto inside_before = snapshot(d.path), outside_before = snapshot(outside);

  expect_corrupt_journal(d);
  CHECK(snapshot(outside) == outside_before);
  CHECK(snapshot(d.path) == inside_before);  // old.json still there, the journal kept for a person
  CHECK_FALSE(fs::exists(d.path.parent_path() / "pwned.json"));
}

TEST_CASE("a journal of the wrong shape is a corrupt error naming it, never another exception") {
  store_dir d;
  { stowage::database<stowage::json_dir> db{d.url()}; }
  std::string journal;
  SECTION("an empty object in the array") { journal = "[{}]"; }
  SECTION("an object") { journal = R"({"a":1})"; }
  SECTION("a number in the array") { journal = "[1]"; }
  SECTION("null") { journal = "null"; }
  SECTION("a table that is a number") { journal = R"([{"table":1,"file":"x","content":null}])"; }
  SECTION("content that is a number") { journal = R"([{"table":"^prompt","file":"x","content":5}])"; }
  SECTION("content that does not parse") { journal = R"([{"table":"^prompt","file":"x","content":"{\"id\":"}])"; }
  SECTION("content that is no object") { journal = R"([{"table":"^prompt","file":"x","content":"[1]"}])"; }
  SECTION("an entry without content") { journal = R"([{"table":"^prompt","file":"x"}])"; }
  SECTION("half a journal") { journal = R"([{"table":"^prompt","fi)"; }
  SECTION("a file named twice") {
    journal = R"([{"table":"^prompt","file":"x","content":null},{"table":"^prompt","file":"x","content":"{}"}])";
  }
  spit(d.path / ".journal", journal);
  expect_corrupt_journal(d);
  CHECK_FALSE(fs::exists(d.path / "^prompt" / "x.json"));
}

TEST_CASE("record and schema files of the wrong shape are corrupt errors naming the file") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  prompts.put(sample("x"));
  auto expect_corrupt = [](auto&& f, const std::string& file) {
    try {
      f();
      FAIL("no error");
    } catch (const stowage::corrupt_error& e) {
      CHECK_THAT(e.what(), Catch::Contains(file));
    } catch (const std::exception& e) {
      FAIL("not a corrupt_error: " << e.what());
    }
  };
  SECTION("record files") {
    auto file = d.path / "^prompt" / "x.json";
    std::string text = slurp(file);
    for (std::string bad : {std::string("[1, 2]\n"), std::string("\"x\"\n"), std::string("null\n"),
                            text.replace(text.find("\"version\": 3"), 12, "\"version\": 18446744073709551615")}) {
      spit(file, bad);
      expect_corrupt([&] { (void)prompts.get("x"); }, "x.json");
      expect_corrupt([&] { (void)prompts.count(); }, "x.json");
    }
  }
  SECTION("schema files") {
    for (std::string bad :
         {"[]", R"({"columns": 3})", R"({"columns": [{}]})", R"({"columns": [{"name": 1, "kind": "text"}]})",
          R"({"columns": [{"name": "id", "kind": "text", "key": "yes"}]})"}) {
      spit(d.path / "^prompt" / ".schema.json", bad);
      stowage::database<stowage::json_dir> again{d.url()};
      expect_corrupt([&] { (void)again.table<Prompt>(); }, ".schema.json");
    }
  }
}

TEST_CASE("a writer waits for a lock another database holds at most lock_timeout, then fails naming the lock file") {
  store_dir d;
  stowage::database<stowage::json_dir> first{d.url()};
  stowage::database<stowage::json_dir> second{d.url() + "?lock_timeout=50"};
  auto mine = first.table<Prompt>();
  auto theirs = second.table<Prompt>();
  {
    auto tx = first.transaction();
    mine.put(sample("a"));
    try {
      theirs.put(sample("b"));  // one thread: waiting for ever would never end
      FAIL("the lock was taken twice");
    } catch (const stowage::unavailable_error& e) {
      CHECK_THAT(e.what(), Catch::Contains((d.path / ".lock").string()) && Catch::Contains("50 ms"));
    }
    CHECK_THROWS_AS(stowage::database<stowage::json_dir>(d.url() + "?lock_timeout=0"), stowage::unavailable_error);
    tx.commit();
  }
  theirs.put(sample("b"));
  CHECK(theirs.count() == 2);
}

TEST_CASE("the json_dir URL's parameters are checked") {
  store_dir d;
  CHECK_NOTHROW(stowage::database<stowage::json_dir>(d.url() + "?lock_timeout=0"));
  CHECK_THROWS_AS(stowage::database<stowage::json_dir>(d.url() + "?lock_timeout=soon"), stowage::bad_input_error);
  CHECK_THROWS_AS(stowage::database<stowage::json_dir>(d.url() + "?lock_timeout=-1"), stowage::bad_input_error);
  CHECK_THROWS_AS(stowage::database<stowage::json_dir>(d.url() + "?lock_timout=10"), stowage::bad_input_error);
  CHECK_FALSE(fs::exists(d.path.string() + "?lock_timeout=0"));
}

TEST_CASE("a record file whose key disagrees with its file name is corrupt, on get and in queries") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  for (std::string id : {"k1", "k2", "k3"}) prompts.put(sample(id));
  SECTION("edited") {
    auto file = d.path / "^prompt" / "k3.json";
    std::string text = slurp(file);
    text.replace(text.find("\"k3\""), 4, "\"OTHER\"");
    spit(file, text);
  }
  SECTION("renamed") { fs::rename(d.path / "^prompt" / "k1.json", d.path / "^prompt" / "k3.json"); }
  SECTION("without its key") {
    auto file = d.path / "^prompt" / "k3.json";
    std::string text = slurp(file);
    text.replace(text.find("\"id\": \"k3\","), 11, "");
    spit(file, text);
  }
  try {
    (void)prompts.get("k3");
    FAIL("a record was returned under another key");
  } catch (const stowage::corrupt_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("k3.json"));
  }
  CHECK(prompts.get("k2"));
  CHECK_THROWS_AS(prompts.count(), stowage::corrupt_error);
  CHECK_THROWS_AS(prompts.query(stowage::where<&Prompt::version> == 3).to_vector(), stowage::corrupt_error);
  prompts.put(sample("k3"));  // replacing the record repairs it
  CHECK(prompts.get("k3")->id == "k3");
  CHECK(prompts.count() >= 2);
}

TEST_CASE("a .json file whose name no key encodes to is no record: get, queries, count and clear leave it") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  prompts.put(sample("k1"));
  std::string text = slurp(d.path / "^prompt" / "k1.json");
  const std::vector<std::string> strays = {"%zz.json", "Notes.json", "a~b.json", "x~0123.json", "a%2.json"};
  for (const auto& name : strays) spit(d.path / "^prompt" / name, text);
  CHECK(prompts.count() == 1);
  auto all = prompts.query(stowage::where<&Prompt::version> == 3).to_vector();
  REQUIRE(all.size() == 1);
  CHECK(all[0].id == "k1");
  CHECK_FALSE(prompts.get("%zz"));
  CHECK_FALSE(prompts.get("Notes"));
  prompts.clear();
  CHECK(prompts.count() == 0);
  for (const auto& name : strays) CHECK(fs::exists(d.path / "^prompt" / name));
}

TEST_CASE("clear reads no record file, so a file that does not parse goes too") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  for (std::string id : {"a", "b", "c"}) prompts.put(sample(id));
  spit(d.path / "^prompt" / "b.json", "{\"id\": ");
  auto read_before = db.backend().files_read();
  prompts.clear();
  CHECK(db.backend().files_read() == read_before);
  CHECK(prompts.count() == 0);
  CHECK(files_in(d.path / "^prompt") == std::set<std::string>{".schema.json"});
}

TEST_CASE("clear inside a transaction also deletes what the transaction wrote, and a rollback keeps it all") {
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  prompts.put(sample("a"));
  {
    auto tx = db.transaction();
    prompts.put(sample("b"));
    prompts.clear();
    CHECK(prompts.count() == 0);
    CHECK_FALSE(prompts.get("b"));
  }
  CHECK(prompts.count() == 1);
  {
    auto tx = db.transaction();
    prompts.put(sample("b"));
    prompts.clear();
    prompts.put(sample("c"));
    tx.commit();
  }
  CHECK(prompts.count() == 1);
  CHECK(prompts.get("c"));
}

TEST_CASE("put_many keeps the fields a record does not know, whether it lists the directory or looks per file") {
  // a batch about as large as the directory is answered by one listing of it; a batch much
  // smaller than the directory looks for each record's file
  const auto [others, fresh] = GENERATE(std::pair<std::size_t, int>{0, 100}, std::pair<std::size_t, int>{400, 1});
  store_dir d;
  stowage::database<stowage::json_dir> db{d.url()};
  auto prompts = db.table<Prompt>();
  std::vector<Prompt> filler;
  for (std::size_t i = 0; i < others; ++i) filler.push_back(sample("f" + std::to_string(i)));
  prompts.put_many(filler);
  prompts.put(sample("p"));
  auto file = d.path / "^prompt" / "p.json";
  std::string text = slurp(file);
  text.replace(text.find("\"version\": 3"), 12, "\"version\": 4,\n  \"reviewer\": \"kim\"");
  spit(file, text);

  std::vector<Prompt> batch;
  for (int i = 0; i < fresh; ++i) batch.push_back(sample("n" + std::to_string(i)));
  batch.push_back(sample("p"));
  batch.back().text = "rewritten";
  batch.push_back(sample("n0"));
  batch.back().version = 8;  // the later of two records with one key wins
  prompts.put_many(batch);

  std::string after = slurp(file);
  CHECK(after.find("\"reviewer\": \"kim\"") != std::string::npos);
  CHECK(after.find("rewritten") != std::string::npos);
  CHECK(prompts.get("n0")->version == 8);
  CHECK(prompts.count() == others + static_cast<std::size_t>(fresh) + 1);

  SECTION("a record erased earlier in the transaction starts afresh") {
    stowage::transact(db, [&] {
      prompts.erase("p");
      prompts.put_many(std::vector<Prompt>{sample("p")});
    });
    CHECK(slurp(file).find("reviewer") == std::string::npos);
    CHECK(prompts.get("p")->text == "Summarize: {{text}}");
  }
}
