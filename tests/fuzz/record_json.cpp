// Fuzzes the decoding of a JSON column (include/stowage/record/json.hpp): the fuzzed bytes are
// the stored text of a column holding a struct with every kind of field, decoded as a backend
// decodes a row. Decoding either succeeds or throws stowage::error (corrupt or bad input);
// what decodes must encode again and read back the same (a stored value always reads back), and
// an integer field decodes to the number the text holds or not at all.
#include "fuzz.hpp"

namespace {

struct holder {
  BOOST_HANA_DEFINE_STRUCT(holder, (std::string, id), (fuzz::inner, doc));
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using stowage::error_kind;
  namespace d = stowage::detail;
  std::vector<stowage::value> row{stowage::value(std::string("k")),
                                  stowage::value(std::string(reinterpret_cast<const char*>(data), size))};
  holder first;
  if (!fuzz::only_stowage_errors([&] { d::decode_row(d::schema_of<holder>(), row, &first); },
                                 {error_kind::corrupt, error_kind::bad_input}))
    return 0;
  std::vector<stowage::value> stored;
  if (!fuzz::only_stowage_errors([&] { stored = d::encode_row(d::schema_of<holder>(), &first); },
                                 {error_kind::bad_input}))
    return 0;
  std::string text = std::get<std::string>(stored[1]);
  holder second;
  try {
    d::decode_row(d::schema_of<holder>(), stored, &second);
  } catch (const std::exception& e) {
    fuzz::finding("a decoded value, encoded again as " + text + ", does not read back: " + e.what());
  }
  std::string again;
  try {
    again = std::get<std::string>(d::encode_row(d::schema_of<holder>(), &second)[1]);
  } catch (const std::exception& e) {
    fuzz::finding("a value read back from " + text + " cannot be encoded again: " + e.what());
  }
  if (again != text) fuzz::finding("encoding is not stable: " + text + " read back as " + again);
  // an integer that does not fit its field must be refused, not wrapped
  auto in = nlohmann::json::parse(std::get<std::string>(row[1]), nullptr, false);
  auto out = nlohmann::json::parse(text);
  if (in.is_object())
    for (const char* field : {"i8", "u16", "i32", "i64", "u64"}) {
      auto it = in.find(field);
      if (it != in.end() && it->is_number_integer() && *it != out.at(field))
        fuzz::finding(std::string("integer field ") + field + " holding " + it->dump() + " decoded as " +
                      out.at(field).dump());
    }
  return 0;
}
