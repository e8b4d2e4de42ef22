// Fuzzes the sqlite backend's URL: only the query part is fuzzed, after a fixed file name inside
// a sandbox (or an in-memory database), so a fuzzed URL cannot name a real file elsewhere. The
// store is opened, written and read; only stowage::error may come out, and nothing outside the
// sandbox's store directory may change.
#include <stowage/sqlite.hpp>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view params(reinterpret_cast<const char*>(data) + 1, size - 1);
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
      {}, url);
  box.check("the sqlite URL " + url);
  return 0;
}
