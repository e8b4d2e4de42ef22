// Fuzzes the sqlite backend's URL: only the query part is fuzzed, after a fixed file name inside
// a sandbox (or an in-memory database), so a fuzzed URL cannot name a real file elsewhere. The
// store is opened, written and read; only stowage::error (not of kind internal) may come out,
// and nothing outside the sandbox's store directory may change.
#include <stowage/sqlite.hpp>

#include "fuzz.hpp"

// a URL is the user's input: an internal error (a bug worth reporting) must not come of it
constexpr auto not_internal = {stowage::error_kind::not_found,   stowage::error_kind::conflict,
                               stowage::error_kind::constraint,  stowage::error_kind::bad_input,
                               stowage::error_kind::unavailable, stowage::error_kind::corrupt,
                               stowage::error_kind::schema};

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view params(reinterpret_cast<const char*>(data) + 1, size - 1);
  // libsqlite3 3.40.1 itself leaks 24 bytes opening "file:x.db?modeof=" (not stowage's to fix)
  if (params.find("modeof") != std::string_view::npos) return 0;
  fuzz::sandbox box;
  std::string file = (box.root() / "x.db").string();
  std::string url;
  switch (data[0] % 3) {
    case 0: url = "file::memory:?"; break;
    case 1: url = "file:" + file + "?"; break;
    default: url = "sqlite:" + file + "?"; break;
  }
  url += params;
  fuzz::only_stowage_errors(
      [&] {
        stowage::database<stowage::sqlite> db(url);
        auto notes = db.table<fuzz::note>();
        notes.put({1, "one"});
        auto back = notes.get(1);
        if (!back || back->text != "one") fuzz::finding("a record put into " + url + " does not read back");
      },
      not_internal, url);
  box.check("the sqlite URL " + url);
  return 0;
}
