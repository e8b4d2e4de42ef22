// Fuzzes a json_dir record file: the fuzzed bytes are written as the file of key "k" in a fresh
// store, which is then read (get, query, count) and written over (put). Only stowage::error may
// come out; a record put over the file reads back as it was put.
#include <stowage/json_dir.hpp>

#include "fuzz.hpp"

namespace {

std::string stored_form(const fuzz::record& r) {
  std::string out;
  for (const auto& v : stowage::detail::encode_row(stowage::detail::schema_of<fuzz::record>(), &r))
    out += stowage::detail::describe(v) + ";";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using fuzz::record;
  using stowage::where;
  fuzz::sandbox box;
  fuzz::only_stowage_errors([&] {
    stowage::database<stowage::json_dir> db("dir:" + box.root().string());
    auto records = db.table<record>();
    auto dir =
        box.root() / stowage::detail::json_dir_impl::encode_file_name(stowage::detail::schema_of<record>().table);
    fuzz::write_file(dir / "k.json", std::string_view(reinterpret_cast<const char*>(data), size));
    fuzz::only_stowage_errors([&] { (void)records.get("k"); });
    fuzz::only_stowage_errors([&] { (void)records.count(); });
    fuzz::only_stowage_errors([&] {
      for (const record& r : records.query(where<&record::text>.like("%a%") || where < &record::i64 >> 5)
                                 .order_by<&record::at>(stowage::desc))
        (void)r;
    });
    record r{};
    r.id = "k";
    r.text = "put over the file";
    if (fuzz::only_stowage_errors([&] { records.put(r); })) {
      std::optional<record> back;
      try {
        back = records.get("k");
      } catch (const std::exception& e) {
        fuzz::finding(std::string("a record put over a record file does not read back: ") + e.what());
      }
      if (!back || stored_form(*back) != stored_form(r))
        fuzz::finding("a record put over a record file reads back differently: " +
                      (back ? stored_form(*back) : std::string("nothing")));
    }
  });
  box.check("reading a record file");
  return 0;
}
