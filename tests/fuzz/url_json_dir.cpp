// Fuzzes the json_dir backend's URL: "dir:<sandbox root>/<fuzzed relative name>". Names that
// resolve outside the sandbox are not run (".." is a user's right; the sandbox only makes sure
// the fuzzer cannot reach real files). The store is opened, written and read; only
// stowage::error (not of kind internal) may come out, and nothing outside the store's
// directory may change.
#include <stowage/json_dir.hpp>

#include "fuzz.hpp"

// a URL is the user's input: an internal error (a bug worth reporting) must not come of it
constexpr auto not_internal = {stowage::error_kind::not_found,   stowage::error_kind::conflict,
                               stowage::error_kind::constraint,  stowage::error_kind::bad_input,
                               stowage::error_kind::unavailable, stowage::error_kind::corrupt,
                               stowage::error_kind::schema};

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string name(reinterpret_cast<const char*>(data), size);
  fuzz::sandbox box;
  // a store may legitimately be made anywhere its URL says: only paths under root are run (after
  // "dir:", a '?' starts the parameters: the directory is what comes before it)
  if (!box.under_root("./" + name.substr(0, name.find('?')))) return 0;
  // a plain file where a directory is expected must be refused, not crash
  fuzz::write_file(box.root() / "file", "not a directory\n");
  std::string url = "dir:" + box.root().string() + "/" + name;
  fuzz::only_stowage_errors(
      [&] {
        stowage::database<stowage::json_dir> db(url);
        auto notes = db.table<fuzz::note>();
        notes.put({1, "one"});
        auto back = notes.get(1);
        if (!back || back->text != "one") fuzz::finding("a record put into " + url + " does not read back");
      },
      not_internal, url);
  box.check("the json_dir URL " + url);
  return 0;
}
