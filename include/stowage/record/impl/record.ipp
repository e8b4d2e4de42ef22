// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE table_schema::table_schema(const table_schema&) = default;
STOWAGE_INLINE table_schema::table_schema(table_schema&&) noexcept = default;
STOWAGE_INLINE table_schema& table_schema::operator=(const table_schema&) = default;
STOWAGE_INLINE table_schema& table_schema::operator=(table_schema&&) noexcept = default;
STOWAGE_INLINE table_schema::~table_schema() = default;

STOWAGE_INLINE value default_of(const field_codec& codec, const void* field) {
  try {
    cell c;
    std::string scratch;
    codec.encode(field, c, scratch);
    return to_value(c);
  } catch (...) {
    return value{};
  }
}

STOWAGE_INLINE key_ref key_of_value(const value& v) {
  return {[](const void* p, const void*) { return describe(*static_cast<const value*>(p)); }, &v, nullptr};
}

STOWAGE_INLINE key_ref key_of_cell(const cell& c) {
  return {[](const void* p, const void*) { return describe(to_value(*static_cast<const cell*>(p))); }, &c, nullptr};
}

STOWAGE_INLINE key_ref key_of_record(const table_schema& s, const void* record) {
  return {[](const void* schema, const void* r) {
            const auto& sc = *static_cast<const table_schema*>(schema);
            const column_def& k = sc.columns[sc.key];
            try {
              cell c;
              std::string scratch;
              k.codec->encode(static_cast<const char*>(r) + k.offset, c, scratch);
              return describe(to_value(c));
            } catch (...) {
              return std::string("(unprintable)");
            }
          },
          &s, record};
}

STOWAGE_INLINE error_context context_of(const table_schema& s, const key_ref& k, std::string backend) {
  return error_context{std::string(s.record), std::string(s.table), k.text(), std::move(backend)};
}

[[noreturn]] STOWAGE_INLINE void field_failed(const table_schema& s, std::size_t field_index, const key_ref& k) {
  try {
    throw;
  } catch (const codec_failure& c) {
    throw_error(c.kind, "field '" + std::string(s.columns[field_index].name) + "': " + c.message, context_of(s, k));
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw_error(error_kind::bad_input, "field '" + std::string(s.columns[field_index].name) + "': " + e.what(),
                context_of(s, k));
  }
}

STOWAGE_INLINE void encode_field(const table_schema& s, std::size_t i, const void* record, cell& out,
                                 std::string& scratch) {
  const column_def& c = s.columns[i];
  try {
    c.codec->encode(static_cast<const char*>(record) + c.offset, out, scratch);
  } catch (...) {
    field_failed(s, i, key_of_record(s, record));
  }
}

STOWAGE_INLINE void decode_field(const table_schema& s, std::size_t i, void* record, const cell& in,
                                 const key_ref& key) {
  const column_def& c = s.columns[i];
  try {
    c.codec->decode(static_cast<char*>(record) + c.offset, in);
  } catch (...) {
    field_failed(s, i, key);
  }
}

STOWAGE_INLINE std::vector<value> encode_row(const table_schema& s, const void* record) {
  std::vector<value> row;
  row.reserve(s.columns.size());
  cell c;
  std::string scratch;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    encode_field(s, i, record, c, scratch);
    row.push_back(to_value(c));
  }
  return row;
}

STOWAGE_INLINE void decode_row(const table_schema& s, const std::vector<value>& row, void* record) {
  key_ref key = key_of_value(row[s.key]);
  for (std::size_t i = 0; i < s.columns.size(); ++i) decode_field(s, i, record, cell_of(row[i]), key);
}

STOWAGE_INLINE table_schema make_schema(std::string_view record, std::string_view table, std::size_t key,
                                        std::span<const column_spec> columns, const void* defaults,
                                        std::span<const index_spec> indexes) {
  table_schema s;
  s.record = record;
  s.table = table;
  s.key = key;
  s.columns.reserve(columns.size());
  for (const column_spec& c : columns)
    s.columns.push_back(column_def{c.name, c.kind, c.nullable,
                                   default_of(*c.codec, static_cast<const char*>(defaults) + c.offset), c.offset,
                                   c.codec});
  for (const index_spec& ix : indexes) {
    index_def d;
    d.unique = ix.unique;
    d.name = std::string(table) + (ix.unique ? "_uq" : "_ix");
    for (std::size_t i : ix.columns) {
      d.columns.push_back(i);
      d.name += "_";
      d.name += columns[i].name;
    }
    if (ix.json) {
      // the pointer is part of the name: an index on another path is another index
      d.json = true;
      d.name += ix.json_pointer;
      std::string why;
      d.json_path = parse_json_pointer(ix.json_pointer, why);
      for (const auto& t : d.json_path)
        if (why.empty() && json_number_like(t))
          why = "the name '" + t + "' could be an array index, and an index follows names only";
      if (!why.empty())
        throw schema_error("the json_index on field '" + std::string(columns[ix.columns[0]].name) + "' at '" +
                               std::string(ix.json_pointer) + "': " + why,
                           error_context{std::string(record), std::string(table), {}, {}});
    }
    s.indexes.push_back(std::move(d));
  }
  return s;
}

}  // namespace stowage::detail
