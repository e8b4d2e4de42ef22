// The memory backend's functions, compiled where <stowage/detail/config.hpp> says.
#pragma once

namespace stowage {

STOWAGE_INLINE memory::memory(std::string_view url) {
  if (!url.empty() && url != "memory:" && url != ":memory:")
    throw bad_input_error("the memory backend takes the URL \"memory:\", not \"" + std::string(url) + "\"");
}

STOWAGE_INLINE auto memory::open_table(const detail::table_schema& s) -> table_handle {
  auto& t = tables_[std::string(s.table)];
  if (!t) {
    t = std::make_unique<stored_table>();
    t->name = std::string(s.table);
    for (std::size_t i = 0; i < s.columns.size(); ++i)
      t->columns.push_back({std::string(s.columns[i].name), s.columns[i].kind, i == s.key});
    t->key = s.key;
  } else {
    auto plan = detail::plan_migration(s, t->columns);
    for (std::size_t i : plan.added) {
      t->columns.push_back({std::string(s.columns[i].name), s.columns[i].kind, false});
      for (auto& [k, r] : t->rows) r.push_back(s.columns[i].default_value);
    }
  }
  table_handle h{t.get(), &s, {}, true};
  for (const auto& c : s.columns) {
    auto it = std::find_if(t->columns.begin(), t->columns.end(), [&](auto& sc) { return sc.name == c.name; });
    h.positions.push_back(static_cast<std::size_t>(it - t->columns.begin()));
  }
  for (std::size_t i = 0; i < h.positions.size(); ++i) h.identity = h.identity && h.positions[i] == i;
  for (const auto& ix : s.indexes) {
    if (!ix.unique) continue;
    auto found = std::find_if(t->uniques.begin(), t->uniques.end(), [&](auto& u) { return u.name == ix.name; });
    if (found != t->uniques.end()) continue;
    unique_index u{ix.name, {}, {}};
    for (std::size_t c : ix.columns) u.columns.push_back(h.positions[c]);
    for (const auto& [k, r] : t->rows) {
      auto entry = indexed(u, r);
      if (!entry) continue;
      if (u.entries.count(*entry))
        throw constraint_error("existing records violate unique index " + ix.name, detail::context_of(s));
      u.entries.emplace(std::move(*entry), k);
    }
    t->uniques.push_back(std::move(u));
  }
  return h;
}

STOWAGE_INLINE write_result memory::write(table_handle& h, const void* record, write_mode mode) {
  row values = to_stored(h, detail::encode_row(*h.schema, record));
  const value& key = values[h.table->key];
  auto& rows = h.table->rows;
  // one search: the place of the key, where it is or where it goes
  auto it = rows.lower_bound(key);
  const bool found = it != rows.end() && !rows.key_comp()(key, it->first);
  if (mode == write_mode::insert && found) return write_result::key_exists;
  if (mode == write_mode::update && !found) return write_result::key_missing;
  check_unique(h, values, key);
  if (in_transaction()) log(h.table, key, found ? std::optional<row>(it->second) : std::nullopt);
  if (found && h.table->uniques.empty())
    it->second = std::move(values);
  else if (!found && h.table->uniques.empty())
    rows.emplace_hint(it, key, std::move(values));
  else
    store(*h.table, key, std::move(values));
  return write_result::done;
}

STOWAGE_INLINE bool memory::get(table_handle& h, const detail::cell& key, void* out) {
  auto it = h.table->rows.find(detail::to_value(key));
  if (it == h.table->rows.end()) return false;
  decode(h, it->second, out);
  return true;
}

STOWAGE_INLINE bool memory::erase(table_handle& h, const detail::cell& key) {
  value k = detail::to_value(key);
  auto it = h.table->rows.find(k);
  if (it == h.table->rows.end()) return false;
  if (in_transaction()) log(h.table, k, it->second);
  if (h.table->uniques.empty())
    h.table->rows.erase(it);
  else
    store(*h.table, k, std::nullopt);
  return true;
}

STOWAGE_INLINE auto memory::select(table_handle& h, const detail::query_spec& q) -> cursor {
  std::vector<row> out;
  auto chosen = matching(h, q);
  out.reserve(chosen.size());
  for (const row* r : chosen) {
    if (h.identity && r->size() == h.positions.size()) {
      out.push_back(*r);
    } else {
      auto& fields = out.emplace_back();
      fields.reserve(h.positions.size());
      for (std::size_t p : h.positions) fields.push_back((*r)[p]);
    }
  }
  return cursor(*h.schema, std::move(out));
}

STOWAGE_INLINE void memory::clear(table_handle& h) {
  auto& t = *h.table;
  if (!marks_.empty())
    for (auto& [k, r] : t.rows) undo_.push_back({&t, k, std::move(r)});
  t.rows.clear();
  for (auto& u : t.uniques) u.entries.clear();
}

STOWAGE_INLINE void memory::begin(unsigned depth) {
  if (depth == 0) undo_.clear();
  marks_.resize(depth + 1);
  marks_[depth] = undo_.size();
}

STOWAGE_INLINE void memory::commit(unsigned depth) {
  marks_.resize(depth);
  if (depth == 0) undo_.clear();
}

STOWAGE_INLINE void memory::rollback(unsigned depth) {
  std::size_t mark = marks_[depth];
  while (undo_.size() > mark) {
    auto& u = undo_.back();
    store(*u.table, u.key, std::move(u.before));
    undo_.pop_back();
  }
  marks_.resize(depth);
}

STOWAGE_INLINE auto memory::indexed(const unique_index& u, const row& r) -> std::optional<row> {
  row entry;
  for (std::size_t c : u.columns) {
    if (r[c].index() == 0) return std::nullopt;  // NULLs never collide, as in SQL
    entry.push_back(r[c]);
  }
  return entry;
}

STOWAGE_INLINE void memory::check_unique(const table_handle& h, const row& r, const value& key) {
  for (const auto& u : h.table->uniques) {
    auto entry = indexed(u, r);
    if (!entry) continue;
    auto it = u.entries.find(*entry);
    if (it != u.entries.end() && detail::compare_values(it->second, key) != 0)
      throw constraint_error(
          "unique index " + u.name + " already holds these values (record " + detail::describe(it->second) + ")",
          detail::context_of(*h.schema, detail::key_of_value(key)));
  }
}

STOWAGE_INLINE void memory::store(stored_table& t, const value& key, std::optional<row> r) {
  auto it = t.rows.find(key);
  if (it != t.rows.end()) {
    for (auto& u : t.uniques)
      if (auto e = indexed(u, it->second)) u.entries.erase(*e);
  }
  if (!r) {
    if (it != t.rows.end()) t.rows.erase(it);
    return;
  }
  for (auto& u : t.uniques)
    if (auto e = indexed(u, *r)) u.entries.emplace(std::move(*e), key);
  if (it != t.rows.end())
    it->second = std::move(*r);
  else
    t.rows.emplace(key, std::move(*r));
}

STOWAGE_INLINE auto memory::to_stored(const table_handle& h, row fields) -> row {
  if (h.identity && fields.size() == h.table->columns.size()) return fields;
  row out(h.table->columns.size());
  for (std::size_t i = 0; i < fields.size(); ++i) out[h.positions[i]] = std::move(fields[i]);
  return out;
}

STOWAGE_INLINE void memory::decode(const table_handle& h, const row& stored, void* out) {
  const auto& s = *h.schema;
  detail::key_ref key = detail::key_of_value(stored[h.table->key]);
  for (std::size_t i = 0; i < s.columns.size(); ++i)
    detail::decode_field(s, i, out, detail::cell_of(stored[h.positions[i]]), key);
}

STOWAGE_INLINE auto memory::matching(const table_handle& h, const detail::query_spec& q) -> std::vector<const row*> {
  // the query names fields by record index; translate to stored positions once
  detail::query_spec stored = q;
  if (!h.identity) {
    if (stored.filter) remap(*stored.filter, h.positions);
    for (auto& o : stored.order) o.field = h.positions[o.field];
  }
  std::vector<const row*> all;
  all.reserve(h.table->rows.size());
  for (const auto& [k, r] : h.table->rows) all.push_back(&r);
  return detail::select_rows(all, stored, [](const row& r) -> const row& { return r; });
}

STOWAGE_INLINE void memory::remap(detail::expr& e, const std::vector<std::size_t>& positions) {
  e.field = positions[e.field];
  for (auto& c : e.children) remap(c, positions);
}

STOWAGE_INLINE bool memory::value_less::operator()(const value& a, const value& b) const {
  // int64 keys, the common case, compare without compare_values' switch
  if (a.index() == 1 && b.index() == 1) return *std::get_if<1>(&a) < *std::get_if<1>(&b);
  return detail::compare_values(a, b) < 0;
}

STOWAGE_INLINE bool memory::rows_less::operator()(const std::vector<value>& a, const std::vector<value>& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), value_less{});
}

STOWAGE_INLINE std::uint64_t memory::count(table_handle& h, const detail::query_spec& q) {
  return matching(h, q).size();
}

STOWAGE_INLINE void memory::log(stored_table* t, const value& key, std::optional<row> before) {
  if (in_transaction()) undo_.push_back({t, key, std::move(before)});
}
}  // namespace stowage
