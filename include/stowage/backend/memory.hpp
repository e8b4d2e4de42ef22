// The memory backend: tables of stored values in process, with the same semantics as the SQL
// backends (the conformance suite checks it), transactions included. Nothing is persisted.
//
// Thread safety: database<memory> serializes every operation; a transaction holds the database
// for its lifetime, so other threads wait for it to end. Queries return a snapshot.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <stowage/backend/concepts.hpp>
#include <stowage/backend/schema_diff.hpp>
#include <stowage/query/evaluate.hpp>

namespace stowage {

class memory {
 public:
  static constexpr std::string_view name = "memory";
  static constexpr bool streams = false;

  /// Accepts "memory:" or an empty URL. Each database<memory> has a store of its own.
  explicit memory(std::string_view url = "memory:") {
    if (!url.empty() && url != "memory:" && url != ":memory:")
      throw bad_input_error("the memory backend takes the URL \"memory:\", not \"" + std::string(url) + "\"");
  }

 private:
  struct value_less {
    bool operator()(const value& a, const value& b) const {
      // int64 keys, the common case, compare without compare_values' switch, which the compiler
      // does not inline into the map's searches
      if (a.index() == 1 && b.index() == 1) return *std::get_if<1>(&a) < *std::get_if<1>(&b);
      return detail::compare_values(a, b) < 0;
    }
  };
  struct rows_less {
    bool operator()(const std::vector<value>& a, const std::vector<value>& b) const {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), value_less{});
    }
  };
  using row = std::vector<value>;

  struct unique_index {
    std::string name;
    std::vector<std::size_t> columns;         // positions in the stored row
    std::map<row, value, rows_less> entries;  // indexed values -> key
  };

  struct stored_table {
    std::string name;
    std::vector<detail::stored_column> columns;
    std::size_t key = 0;
    std::map<value, row, value_less> rows;
    std::vector<unique_index> uniques;
  };

 public:
  /// One record type's view of a stored table: where each field lives in the stored row.
  struct table_handle {
    stored_table* table;
    const detail::table_schema* schema;
    std::vector<std::size_t> positions;  // field index -> stored column
    bool identity;                       // positions[i] == i for every field
  };

  table_handle open_table(const detail::table_schema& s) {
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

  template <class R>
  write_result write(table_handle& h, const R& r, write_mode mode) {
    row values = to_stored(h, detail::encode_row(r));
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

  template <class R, class K>
  std::optional<R> get(table_handle& h, const K& key) {
    auto it = h.table->rows.find(detail::key_value(*h.schema, key));
    if (it == h.table->rows.end()) return std::nullopt;
    return decode<R>(h, it->second);
  }

  template <class R, class K>
  bool erase(table_handle& h, const K& key) {
    value k = detail::key_value(*h.schema, key);
    auto it = h.table->rows.find(k);
    if (it == h.table->rows.end()) return false;
    if (in_transaction()) log(h.table, k, it->second);
    if (h.table->uniques.empty())
      h.table->rows.erase(it);
    else
      store(*h.table, k, std::nullopt);
    return true;
  }

  /// A snapshot of the selected records.
  template <class R>
  using cursor = detail::snapshot_cursor<R>;

  template <class R>
  cursor<R> select(table_handle& h, const detail::query_spec& q) {
    const std::vector<const row*> rows = matching(h, q);
    std::vector<R> out;
    out.reserve(rows.size());  // growing would move every record decoded so far
    for (const row* r : rows) out.push_back(decode<R>(h, *r));
    return cursor<R>(std::move(out));
  }

  std::uint64_t count(table_handle& h, const detail::query_spec& q) { return matching(h, q).size(); }

  void clear(table_handle& h) {
    auto& t = *h.table;
    if (!marks_.empty())
      for (auto& [k, r] : t.rows) undo_.push_back({&t, k, std::move(r)});
    t.rows.clear();
    for (auto& u : t.uniques) u.entries.clear();
  }

  void begin(unsigned depth) {
    if (depth == 0) undo_.clear();
    marks_.resize(depth + 1);
    marks_[depth] = undo_.size();
  }
  void commit(unsigned depth) {
    marks_.resize(depth);
    if (depth == 0) undo_.clear();
  }
  void rollback(unsigned depth) {
    std::size_t mark = marks_[depth];
    while (undo_.size() > mark) {
      auto& u = undo_.back();
      store(*u.table, u.key, std::move(u.before));
      undo_.pop_back();
    }
    marks_.resize(depth);
  }

 private:
  struct undo_entry {
    stored_table* table;
    value key;
    std::optional<row> before;
  };

  /// Whether a transaction is open: only then do writes keep what they replace.
  bool in_transaction() const noexcept { return !marks_.empty(); }

  void log(stored_table* t, const value& key, std::optional<row> before) {
    if (in_transaction()) undo_.push_back({t, key, std::move(before)});
  }

  static std::optional<row> indexed(const unique_index& u, const row& r) {
    row entry;
    for (std::size_t c : u.columns) {
      if (r[c].index() == 0) return std::nullopt;  // NULLs never collide, as in SQL
      entry.push_back(r[c]);
    }
    return entry;
  }

  void check_unique(const table_handle& h, const row& r, const value& key) {
    for (const auto& u : h.table->uniques) {
      auto entry = indexed(u, r);
      if (!entry) continue;
      auto it = u.entries.find(*entry);
      if (it != u.entries.end() && detail::compare_values(it->second, key) != 0)
        throw constraint_error(
            "unique index " + u.name + " already holds these values (record " + detail::describe(it->second) + ")",
            detail::context_of(
                *h.schema,
                detail::key_ref{[](const void* p) { return detail::describe(*static_cast<const value*>(p)); }, &key}));
    }
  }

  /// Sets or removes the row with this key, keeping the unique indexes in step.
  static void store(stored_table& t, const value& key, std::optional<row> r) {
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

  static row to_stored(const table_handle& h, row fields) {
    if (h.identity && fields.size() == h.table->columns.size()) return fields;
    row out(h.table->columns.size());
    for (std::size_t i = 0; i < fields.size(); ++i) out[h.positions[i]] = std::move(fields[i]);
    return out;
  }

  template <class R>
  static R decode(const table_handle& h, const row& stored) {
    if (h.identity && stored.size() == h.positions.size()) return detail::decode_row<R>(stored);
    row fields;
    fields.reserve(h.positions.size());
    for (std::size_t p : h.positions) fields.push_back(stored[p]);
    return detail::decode_row<R>(fields);
  }

  std::vector<const row*> matching(const table_handle& h, const detail::query_spec& q) {
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

  static void remap(detail::expr& e, const std::vector<std::size_t>& positions) {
    e.field = positions[e.field];
    for (auto& c : e.children) remap(c, positions);
  }

  std::unordered_map<std::string, std::unique_ptr<stored_table>> tables_;
  std::deque<undo_entry> undo_;
  std::vector<std::size_t> marks_;
};

}  // namespace stowage
