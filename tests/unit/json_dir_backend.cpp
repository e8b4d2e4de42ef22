// What is particular to the json_dir backend: the files people read and edit.
#include <catch2/catch.hpp>
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
  journal.push_back({{"table", "^prompt"}, {"file", "new"}, {"content", slurp(d.path / "^prompt" / "old.json")}});
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
}
