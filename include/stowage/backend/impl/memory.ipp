// The memory backend's functions, compiled where <stowage/detail/config.hpp> says.
#pragma once

namespace stowage {

namespace detail {
/// compare_for_sort as -1, 0 or 1, with int64 values (the common indexed column) compared inline.
inline int compare_indexed(const value& a, const value& b) {
  if (a.index() == 1 && b.index() == 1) {
    std::int64_t x = *std::get_if<1>(&a), y = *std::get_if<1>(&b);
    return (x > y) - (x < y);
  }
  auto c = compare_for_sort(a, b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/// Orders a row's indexed values against another row's, NULL first; 0 when the first n are equal.
inline int compare_indexed(const value* r, const std::vector<std::size_t>& columns, const value* other, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (int c = compare_indexed(r[columns[i]], other[columns[i]])) return c;
  return 0;
}
}  // namespace detail

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
      const std::size_t n = t->columns.size();
      for (auto& [k, stored] : t->rows) {
        row_ptr& r = stored.row;
        auto grown = std::make_shared<value[]>(n);
        std::copy(r.get(), r.get() + (n - 1), grown.get());
        grown[n - 1] = s.columns[i].default_value;
        r = std::move(grown);
      }
    }
  }
  table_handle h{t.get(), &s, {}, true, {}};
  for (const auto& c : s.columns) {
    auto it = std::find_if(t->columns.begin(), t->columns.end(), [&](auto& sc) { return sc.name == c.name; });
    h.positions.push_back(static_cast<std::size_t>(it - t->columns.begin()));
  }
  for (std::size_t i = 0; i < h.positions.size(); ++i) h.identity = h.identity && h.positions[i] == i;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    // a codec is one per field type in a program, so its functions name the type
    const auto decode = s.columns[i].codec->decode;
    const field_copy copy = decode == &detail::decode_typed<std::int64_t>  ? field_copy::integer
                            : decode == &detail::decode_typed<std::string> ? field_copy::text
                                                                           : field_copy::codec;
    h.fields.push_back({h.positions[i], s.columns[i].offset, copy});
  }
  for (const auto& ix : s.indexes) {
    if (ix.json) continue;  // a JSON path's value is not a column here: queries on it scan
    auto found = std::find_if(t->indexes.begin(), t->indexes.end(), [&](auto& x) { return x.name == ix.name; });
    if (found != t->indexes.end()) continue;
    entry_less order;
    for (std::size_t c : ix.columns) order.columns.push_back(h.positions[c]);
    stored_index x{ix.name, ix.unique, order.columns, std::set<index_entry, entry_less>(order)};
    const bool first = t->indexes.empty();
    for (auto& node : t->rows) {
      if (x.unique && !has_null(node.second.row.get(), x.columns) && holds(x, node.second.row.get()))
        throw constraint_error("existing records violate unique index " + ix.name, detail::context_of(s));
      auto at = add(x, node);
      if (first) node.second.in_first = at;
    }
    // the entries move with the set: the rows' iterators to them stay good
    t->indexes.push_back(std::move(x));
  }
  return h;
}

STOWAGE_INLINE write_result memory::write(table_handle& h, const void* record, write_mode mode) {
  row_ptr values = to_stored(h, record);
  const value& key = values[h.table->key];
  auto& rows = h.table->rows;
  auto& indexes = h.table->indexes;
  // one lookup: a new key gets its node (with no row yet) at once, taken out again if the write
  // is refused
  auto [it, inserted] = rows.try_emplace(key);
  if (inserted) {
    if (mode == write_mode::update) {
      rows.erase(it);
      return write_result::key_missing;
    }
    try {
      check_unique(h, values.get(), key);
      if (in_transaction()) log(h.table, key, nullptr);
    } catch (...) {
      rows.erase(it);
      throw;
    }
    it->second.row = std::move(values);
    add_to_indexes(*h.table, *it);
    return write_result::done;
  }
  if (mode == write_mode::insert) return write_result::key_exists;
  check_unique(h, values.get(), key);
  if (in_transaction()) log(h.table, key, it->second.row);
  // a row is out of an index while it changes; an index whose values stay the same keeps it
  std::vector<stored_index*> moved;
  for (auto& x : indexes)
    if (detail::compare_indexed(it->second.row.get(), x.columns, values.get(), x.columns.size()) != 0) {
      x.entries.erase(&x == &indexes.front() ? it->second.in_first : x.entries.find(entry_of(x, *it)));
      moved.push_back(&x);
    }
  it->second.row = std::move(values);
  for (stored_index* x : moved) {
    auto at = add(*x, *it);
    if (x == &indexes.front()) it->second.in_first = at;
  }
  return write_result::done;
}

STOWAGE_INLINE bool memory::get(table_handle& h, const detail::cell& key, void* out) {
  auto it = h.table->rows.find(key);
  if (it == h.table->rows.end()) return false;
  decode(h, it->second.row.get(), out);
  return true;
}

STOWAGE_INLINE bool memory::erase(table_handle& h, const detail::cell& key) {
  auto it = h.table->rows.find(key);
  if (it == h.table->rows.end()) return false;
  if (in_transaction()) log(h.table, it->first, it->second.row);
  store(*h.table, it, it->first, nullptr);
  return true;
}

STOWAGE_INLINE auto memory::select(table_handle& h, const detail::query_spec& q) -> cursor {
  auto chosen = matching(h, q);
  std::vector<row_ptr> out;
  out.reserve(chosen.size());
  for (const row_ptr* r : chosen) out.push_back(*r);
  return cursor(h, std::move(out), q.columns);
}

STOWAGE_INLINE bool memory::cursor::next(void* out) {
  if (pos_ == rows_.size()) return false;
  const value* row = rows_[pos_++].get();
  if (columns_.empty()) {
    decode(*handle_, row, out);
    return true;
  }
  auto outs = static_cast<void* const*>(out);
  for (std::size_t i = 0; i < columns_.size(); ++i)
    detail::decode_value(*handle_->schema, columns_[i], row[handle_->positions[columns_[i]]], outs[i]);
  return true;
}

STOWAGE_INLINE std::vector<detail::group_count> memory::count_groups(table_handle& h, const detail::query_spec& q,
                                                                     std::size_t field) {
  auto chosen = matching(h, q);
  std::vector<value> values;
  values.reserve(chosen.size());
  for (const row_ptr* r : chosen) values.push_back((*r)[h.positions[field]]);
  return detail::count_values(std::move(values));
}

STOWAGE_INLINE void memory::clear(table_handle& h) {
  auto& t = *h.table;
  if (!marks_.empty())
    for (auto& [k, r] : t.rows) undo_.push_back({&t, k, std::move(r.row)});
  for (auto& x : t.indexes) x.entries.clear();
  t.rows.clear();
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
    store(*u.table, u.table->rows.find(u.key), u.key, std::move(u.before));
    undo_.pop_back();
  }
  marks_.resize(depth);
}

STOWAGE_INLINE bool memory::has_null(const value* r, const std::vector<std::size_t>& columns) {
  return std::any_of(columns.begin(), columns.end(), [&](std::size_t c) { return r[c].index() == 0; });
}

STOWAGE_INLINE bool memory::holds(const stored_index& x, const value* r) {
  auto it = x.entries.lower_bound(row_probe{r, false});
  return it != x.entries.end() && x.entries.key_comp()(*it, row_probe{r, true});
}

STOWAGE_INLINE void memory::check_unique(const table_handle& h, const value* r, const value& key) {
  for (const auto& x : h.table->indexes) {
    if (!x.unique || has_null(r, x.columns)) continue;  // NULLs never collide, as in SQL
    auto end = x.entries.upper_bound(row_probe{r, true});
    for (auto it = x.entries.lower_bound(row_probe{r, false}); it != end; ++it)
      if (detail::compare_values(it->node->first, key) != 0)
        throw constraint_error(
            "unique index " + x.name + " already holds these values (record " + detail::describe(it->node->first) + ")",
            detail::context_of(*h.schema, detail::key_of_value(key)));
  }
}

STOWAGE_INLINE void memory::store(stored_table& t, row_map::iterator it, const value& key, row_ptr r) {
  const bool found = it != t.rows.end();
  if (found) remove_from_indexes(t, *it);
  if (!r) {
    if (found) t.rows.erase(it);  // `key` may be the node's: not read after this
    return;
  }
  if (found)
    it->second.row = std::move(r);
  else
    it = t.rows.try_emplace(key, stored_row{std::move(r)}).first;
  add_to_indexes(t, *it);
}

STOWAGE_INLINE void memory::add_to_indexes(stored_table& t, row_node& n) {
  for (auto& x : t.indexes) {
    auto at = add(x, n);
    if (&x == &t.indexes.front()) n.second.in_first = at;
  }
}

STOWAGE_INLINE void memory::remove_from_indexes(stored_table& t, row_node& n) {
  for (auto& x : t.indexes)
    x.entries.erase(&x == &t.indexes.front() ? n.second.in_first : x.entries.find(entry_of(x, n)));
}

[[gnu::noinline]] STOWAGE_INLINE auto memory::to_stored(const table_handle& h, const void* record) -> row_ptr {
  // every stored column, NULL where the record has no field (a column of another record type)
  auto out = std::make_shared<value[]>(h.table->columns.size());
  value* stored = out.get();
  const field_plan* first = h.fields.data();
  const field_plan* last = first + h.fields.size();
  for (const field_plan* f = first; f != last; ++f) {
    value& v = stored[f->position];
    const char* field = static_cast<const char*>(record) + f->offset;
    // v holds NULL, whose end is trivial: the value is made in its place (see assign)
    switch (f->copy) {
      case field_copy::integer:
        std::destroy_at(&v);
        std::construct_at(&v, std::in_place_index<1>, *reinterpret_cast<const std::int64_t*>(field));
        break;
      case field_copy::text:
        std::destroy_at(&v);
        try {
          std::construct_at(&v, std::in_place_index<3>, *reinterpret_cast<const std::string*>(field));
        } catch (...) {
          std::construct_at(&v);
          throw;
        }
        break;
      default: {
        detail::cell c;
        std::string scratch;
        detail::encode_field(*h.schema, static_cast<std::size_t>(f - first), record, c, scratch);
        assign(v, c);
      }
    }
  }
  return out;
}

STOWAGE_INLINE void memory::assign(value& v, const detail::cell& c) {
  using t = detail::cell::type;
  if (c.t == t::null) return;
  // v holds NULL, whose end is trivial: the value is made in its place, not made aside and moved
  // in as variant::emplace does for a string (and put back to NULL if making it throws)
  std::destroy_at(&v);
  try {
    switch (c.t) {
      case t::integer: std::construct_at(&v, std::in_place_index<1>, c.i); break;
      case t::real: std::construct_at(&v, std::in_place_index<2>, c.d); break;
      case t::text: std::construct_at(&v, std::in_place_index<3>, c.p ? c.p : "", c.n); break;
      default: {
        auto b = c.blob();
        std::construct_at(&v, std::in_place_index<4>, b.begin(), b.end());
        break;
      }
    }
  } catch (...) {
    std::construct_at(&v);
    throw;
  }
}

[[gnu::noinline]] STOWAGE_INLINE void memory::decode(const table_handle& h, const value* stored, void* out) {
  // what detail::decode_field does for each field, with the loop's invariants read once and the
  // key's description made only for an error
  const auto& s = *h.schema;
  const field_plan* first = h.fields.data();
  const field_plan* last = first + h.fields.size();
  char* record = static_cast<char*>(out);
  for (const field_plan* f = first; f != last; ++f) {
    const value& v = stored[f->position];
    char* field = record + f->offset;
    try {
      // the common cases without a cell or a call, doing what their codecs do
      if (f->copy == field_copy::integer && v.index() == 1)
        *reinterpret_cast<std::int64_t*>(field) = *std::get_if<1>(&v);
      else if (f->copy == field_copy::text && v.index() == 3) {
        const std::string& text = *std::get_if<3>(&v);
        std::string& to = *reinterpret_cast<std::string*>(field);
        // as detail::decode_column: made again in place when empty (a record just built) or too
        // small, else copied into the buffer it has
        if (to.empty() || text.size() > to.capacity()) {
          std::destroy_at(&to);
          try {
            std::construct_at(&to, text);
          } catch (...) {
            std::construct_at(&to);  // the record stays destructible
            throw;
          }
        } else {
          to.assign(text);
        }
      } else
        s.columns[static_cast<std::size_t>(f - first)].codec->decode(field, detail::cell_of(v));
    } catch (...) {
      detail::field_failed(s, static_cast<std::size_t>(f - first), detail::key_of_value(stored[h.table->key]));
    }
  }
}

STOWAGE_INLINE auto memory::matching(const table_handle& h, const detail::query_spec& q)
    -> std::vector<const row_ptr*> {
  // the query names fields by record index; translate to stored positions once
  detail::query_spec stored = q;
  if (!h.identity) {
    if (stored.filter) remap(*stored.filter, h.positions);
    for (auto& o : stored.order) o.field = h.positions[o.field];
  }
  if (stored.filter) detail::resolve_sub_queries(*stored.filter, this, this, &sub_query_values);
  auto values_of = [n = h.table->columns.size()](const row_ptr& r) { return std::span<const value>(r.get(), n); };
  if (stored.filter) {
    bool exact = false;
    if (auto some = candidates(*h.table, *stored.filter, exact)) {
      if (exact) stored.filter.reset();
      return detail::select_rows(*some, stored, values_of);
    }
  }
  // every row, in key order
  std::vector<const row_node*> nodes;
  nodes.reserve(h.table->rows.size());
  for (const auto& n : h.table->rows) nodes.push_back(&n);
  std::sort(nodes.begin(), nodes.end(),
            [](const row_node* a, const row_node* b) { return value_less{}(a->first, b->first); });
  std::vector<const row_ptr*> all;
  all.reserve(nodes.size());
  for (const row_node* n : nodes) all.push_back(&n->second.row);
  return detail::select_rows(all, stored, values_of);
}

STOWAGE_INLINE auto memory::candidates(const stored_table& t, const detail::expr& filter, bool& exact)
    -> std::optional<std::vector<const row_ptr*>> {
  using detail::op;
  // the conditions every chosen row meets: the filter itself, or the terms of its top-level AND
  std::vector<const detail::expr*> terms;
  auto collect = [&](auto& self, const detail::expr& e) -> void {
    if (e.kind == op::and_)
      for (const auto& c : e.children) self(self, c);
    else
      terms.push_back(&e);
  };
  collect(collect, filter);
  for (const auto& x : t.indexes) {
    const std::size_t column = x.columns.front();
    // the range of the index's first column the terms allow: [lo, hi], each end open or closed
    const value* lo = nullptr;
    const value* hi = nullptr;
    bool lo_open = false, hi_open = false;
    const detail::expr* in = nullptr;
    const std::string* prefix = nullptr;
    auto raise = [&](const value& v, bool open) {
      auto c = lo ? detail::compare_for_sort(v, *lo) : std::strong_ordering::greater;
      if (c > 0 || (c == 0 && open)) lo = &v, lo_open = open;
    };
    auto lower = [&](const value& v, bool open) {
      auto c = hi ? detail::compare_for_sort(v, *hi) : std::strong_ordering::less;
      if (c < 0 || (c == 0 && open)) hi = &v, hi_open = open;
    };
    bool usable = false;
    // whether every term is a comparison of this column that the range below applies in full
    bool whole = true;
    for (const detail::expr* e : terms) {
      const bool ranged =
          e->kind == op::eq || e->kind == op::lt || e->kind == op::le || e->kind == op::gt || e->kind == op::ge;
      if (e->field != column || !ranged || e->values.size() != 1 || e->values[0].index() == 0) whole = false;
      if (e->field != column) continue;
      switch (e->kind) {
        case op::eq: raise(e->values[0], false), lower(e->values[0], false); break;
        case op::lt: lower(e->values[0], true); break;
        case op::le: lower(e->values[0], false); break;
        case op::gt: raise(e->values[0], true); break;
        case op::ge: raise(e->values[0], false); break;
        case op::in:
        case op::in_query: in = e; break;  // a sub-query's values, resolved
        case op::prefix:
          if (e->values[0].index() != 3) continue;
          prefix = std::get_if<3>(&e->values[0]);
          raise(e->values[0], false);  // text with a prefix sorts at or after the prefix
          break;
        default: continue;
      }
      usable = true;
    }
    if (!usable) continue;
    std::vector<const index_entry*> entries;
    if (in) {
      // the rows holding one of the values; the other terms are checked by the filter
      for (const value& v : in->values) {
        auto end = x.entries.upper_bound(value_probe{&v, true});
        for (auto it = x.entries.lower_bound(value_probe{&v, false}); it != end; ++it) entries.push_back(&*it);
      }
    } else {
      auto it = lo ? x.entries.lower_bound(value_probe{lo, lo_open}) : x.entries.begin();
      for (; it != x.entries.end(); ++it) {
        const value& v = it->node->second.row[column];
        if (!lo && v.index() == 0) continue;  // NULL, first in the index, satisfies no comparison
        if (hi) {
          auto c = detail::compare_for_sort(v, *hi);
          if (c > 0 || (c == 0 && hi_open)) break;
        }
        if (prefix && (v.index() != 3 || !std::get_if<3>(&v)->starts_with(*prefix))) break;
        entries.push_back(&*it);
      }
    }
    // in key order, as a scan of the table yields them, so that results do not depend on the
    // index; an entry holds an integer key itself, the common case
    std::sort(entries.begin(), entries.end(), [](const index_entry* a, const index_entry* b) {
      if (a->key_integer && b->key_integer) return a->key < b->key;
      return value_less{}(a->node->first, b->node->first);
    });
    std::vector<const row_ptr*> rows;
    rows.reserve(entries.size());
    for (const index_entry* e : entries)
      if (rows.empty() || rows.back() != &e->node->second.row) rows.push_back(&e->node->second.row);
    exact = whole && !in && !prefix;
    return rows;
  }
  return std::nullopt;
}

STOWAGE_INLINE std::vector<value> memory::sub_query_values(void* self, const detail::sub_query& q) {
  const auto& h = *static_cast<const table_handle*>(q.handle);
  detail::query_spec spec;
  spec.filter = q.filter;
  std::vector<value> out;
  const std::size_t column = h.positions[q.column];
  for (const row_ptr* r : static_cast<memory*>(self)->matching(h, spec)) out.push_back((*r)[column]);
  return out;
}

STOWAGE_INLINE void memory::remap(detail::expr& e, const std::vector<std::size_t>& positions) {
  e.field = positions[e.field];
  for (auto& c : e.children) remap(c, positions);
}

STOWAGE_INLINE bool memory::value_less::other(const value& a, const value& b) {
  return detail::compare_values(a, b) < 0;
}

STOWAGE_INLINE std::size_t memory::key_hash::of(const detail::cell& c) noexcept {
  using t = detail::cell::type;
  switch (c.t) {
    case t::integer: return std::hash<std::int64_t>{}(c.i);
    // compare_values finds -0.0 equal to 0.0, and one NaN to another
    case t::real: return c.d == 0 ? 0 : c.d != c.d ? 1 : std::hash<double>{}(c.d);
    case t::text:
    case t::blob:
      return std::hash<std::string_view>{}(std::string_view(c.p ? c.p : "", c.n)) ^ static_cast<std::size_t>(c.t);
    default: return 0;
  }
}

STOWAGE_INLINE bool memory::key_equal::other(const detail::cell& a, const value& b) {
  using t = detail::cell::type;
  switch (a.t) {
    case t::integer: return b.index() == 1 && *std::get_if<1>(&b) == a.i;
    case t::real: {
      if (b.index() != 2) return false;
      double y = *std::get_if<2>(&b);
      return !(a.d < y) && !(y < a.d);
    }
    case t::text: return b.index() == 3 && a.text() == *std::get_if<3>(&b);
    case t::blob: {
      if (b.index() != 4) return false;
      auto x = a.blob();
      const auto& y = *std::get_if<4>(&b);
      return std::equal(x.begin(), x.end(), y.begin(), y.end());
    }
    default: return b.index() == 0;
  }
}

STOWAGE_INLINE auto memory::entry_of(const stored_index& x, const row_node& n) -> index_entry {
  const value& first = n.second.row[x.columns.front()];
  const bool first_integer = first.index() == 1, key_integer = n.first.index() == 1;
  const bool plain = first_integer && key_integer && x.columns.size() == 1;
  return {&n,
          first_integer ? *std::get_if<1>(&first) : 0,
          key_integer ? *std::get_if<1>(&n.first) : 0,
          first_integer,
          key_integer,
          plain};
}

STOWAGE_INLINE auto memory::add(stored_index& x, const row_node& n) -> entry_iterator {
  // indexed values often grow row after row (times, counters): an entry past the last one goes
  // in without a descent; any other costs one comparison more
  return x.entries.emplace_hint(x.entries.end(), entry_of(x, n));
}

STOWAGE_INLINE bool memory::entry_less::less(const index_entry& a, const index_entry& b) const {
  int c = a.first_integer && b.first_integer
              ? (a.first > b.first) - (a.first < b.first)
              : detail::compare_indexed(a.node->second.row[columns.front()], b.node->second.row[columns.front()]);
  for (std::size_t i = 1; c == 0 && i < columns.size(); ++i)
    c = detail::compare_indexed(a.node->second.row[columns[i]], b.node->second.row[columns[i]]);
  if (c != 0) return c < 0;
  if (a.key_integer && b.key_integer) return a.key < b.key;
  return value_less{}(a.node->first, b.node->first);
}

STOWAGE_INLINE bool memory::entry_less::operator()(const index_entry& a, const row_probe& b) const {
  int c = detail::compare_indexed(a.node->second.row.get(), columns, b.values, columns.size());
  return c < 0 || (c == 0 && b.after);
}

STOWAGE_INLINE bool memory::entry_less::operator()(const row_probe& a, const index_entry& b) const {
  int c = detail::compare_indexed(b.node->second.row.get(), columns, a.values, columns.size());
  return c > 0 || (c == 0 && !a.after);
}

STOWAGE_INLINE bool memory::entry_less::operator()(const index_entry& a, const value_probe& b) const {
  int c = detail::compare_indexed(a.node->second.row[columns.front()], *b.first);
  return c < 0 || (c == 0 && b.after);
}

STOWAGE_INLINE bool memory::entry_less::operator()(const value_probe& a, const index_entry& b) const {
  int c = detail::compare_indexed(b.node->second.row[columns.front()], *a.first);
  return c > 0 || (c == 0 && !a.after);
}

STOWAGE_INLINE std::uint64_t memory::count(table_handle& h, const detail::query_spec& q) {
  return matching(h, q).size();
}

STOWAGE_INLINE void memory::log(stored_table* t, const value& key, row_ptr before) {
  if (in_transaction()) undo_.push_back({t, key, std::move(before)});
}
}  // namespace stowage

namespace stowage {

STOWAGE_INLINE std::uint64_t memory::erase_where(table_handle& h, const detail::query_spec& q) {
  auto& t = *h.table;
  // the keys first: the rows go while they are deleted
  std::vector<value> keys;
  for (const row_ptr* r : matching(h, q)) keys.push_back((*r)[t.key]);
  const auto depth = static_cast<unsigned>(marks_.size());
  begin(depth);
  try {
    for (const value& key : keys) {
      auto it = t.rows.find(key);
      log(&t, key, it->second.row);
      store(t, it, key, nullptr);
    }
  } catch (...) {
    rollback(depth);
    throw;
  }
  commit(depth);
  return keys.size();
}

STOWAGE_INLINE std::uint64_t memory::update_where(table_handle& h, const detail::query_spec& q,
                                                  std::span<const detail::field_change> changes) {
  auto& t = *h.table;
  std::vector<value> keys;
  for (const row_ptr* r : matching(h, q)) keys.push_back((*r)[t.key]);
  const std::size_t n = t.columns.size();
  const auto depth = static_cast<unsigned>(marks_.size());
  begin(depth);
  try {
    for (const value& key : keys) {
      auto it = t.rows.find(key);
      // a new row: the old one may be in a query's snapshot or the undo log
      auto changed = std::make_shared<value[]>(n);
      std::copy(it->second.row.get(), it->second.row.get() + n, changed.get());
      for (const auto& c : changes) changed[h.positions[c.field]] = c.to;
      check_unique(h, changed.get(), key);
      log(&t, key, it->second.row);
      store(t, it, key, std::move(changed));
    }
  } catch (...) {
    rollback(depth);
    throw;
  }
  commit(depth);
  return keys.size();
}

}  // namespace stowage
