// Fuzzes a json_dir journal: the fuzzed bytes are <root>/.journal of a fresh store, which is
// then opened (opening finishes a journal it finds) and read. Only stowage::error may come out,
// a store that opened has no journal left, and nothing outside the store's directory may be
// created, changed or removed: the sandbox around the store holds sentinel files and is listed
// after each run. A journal naming an absolute path, or a relative one that would climb out of
// the sandbox, is not run at all (it could reach real files while the bug is there).
#include <stowage/json.hpp>
#include <stowage/json_dir.hpp>

#include "fuzz.hpp"

namespace {

/// Whether every path the journal names stays in the sandbox, as the store joins them.
bool confined(const nlohmann::json& journal) {
  if (journal.is_discarded()) return true;  // it does not parse: nothing is written
  for (const auto& op : journal) {
    if (!op.is_object()) continue;
    auto table = op.find("table");
    if (table == op.end() || !table->is_string()) continue;
    fuzz::fs::path dir = table->get<std::string>();
    if (!fuzz::sandbox::inside(dir)) return false;
    auto file = op.find("file");
    if (file != op.end() && file->is_string() && !fuzz::sandbox::inside(dir / (file->get<std::string>() + ".json")))
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!confined(nlohmann::json::parse(text, nullptr, false))) return 0;
  fuzz::sandbox box;
  fuzz::write_file(box.root() / ".journal", text);
  fuzz::only_stowage_errors([&] {
    stowage::database<stowage::json_dir> db("dir:" + box.root().string());
    if (fuzz::fs::exists(box.root() / ".journal")) fuzz::finding("a store opened and left its journal in place");
    auto notes = db.table<fuzz::note>();
    fuzz::only_stowage_errors([&] { (void)notes.count(); });
    fuzz::only_stowage_errors([&] { (void)notes.get(1); });
  });
  box.check("a journal");
  return 0;
}
