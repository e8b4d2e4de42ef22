// The SQLite backend's functions, compiled where <stowage/detail/config.hpp> says.
#pragma once

namespace stowage {
namespace detail::sqlite_impl {

// a value bound as a parameter outlives the statement's run (the lease holds it)
STOWAGE_INLINE int binder::operator()(const value& v) const { return (*this)(cell_of(v)); }

STOWAGE_INLINE std::string_view column_type(column_kind k) {
  switch (k) {
    case column_kind::boolean: return "BOOLEAN";
    case column_kind::int16:
    case column_kind::int32:
    case column_kind::int64: return "INTEGER";
    // BLOB affinity (SQLite looks for "BLOB" before "REAL"): a REAL column writes a whole
    // double as an integer and reads it back as 0.0 for -0.0; this one keeps the double's bits
    case column_kind::real32:
    case column_kind::real64: return "REAL_BLOB";
    case column_kind::text: return "TEXT";
    case column_kind::blob: return "BLOB";
    case column_kind::timestamp: return "TIMESTAMP";
    case column_kind::json: return "JSON_TEXT";  // TEXT affinity: SQLite keeps the text as written
  }
  return "BLOB";
}

STOWAGE_INLINE std::optional<column_kind> kind_of_type(std::string_view t) {
  for (column_kind k : {column_kind::boolean, column_kind::int64, column_kind::real64, column_kind::text,
                        column_kind::blob, column_kind::timestamp, column_kind::json})
    if (column_type(k) == t) return k;
  // tables created by stowage 0.1.0 declared doubles REAL: they keep working as they are, and
  // -0.0 stored in them reads back as 0.0 (SQLite cannot change a column's type in place)
  if (t == "REAL") return column_kind::real64;
  return std::nullopt;
}

STOWAGE_INLINE void read_cell(sqlite3_stmt* stmt, int i, cell& out) {
  // one statement call for the column, then the value's own accessors, which need no statement
  // lookup (reading an unprotected value so is safe here: database<sqlite> serializes the
  // connection's use)
  sqlite3_value* v = sqlite3_column_value(stmt, i);
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      out.t = cell::type::integer;
      out.i = sqlite3_value_int64(v);
      return;
    case SQLITE_FLOAT:
      out.t = cell::type::real;
      out.d = sqlite3_value_double(v);
      return;
    case SQLITE_TEXT:
      out.t = cell::type::text;
      out.p = reinterpret_cast<const char*>(sqlite3_value_text(v));  // before _bytes, as SQLite asks
      out.n = static_cast<std::size_t>(sqlite3_value_bytes(v));
      return;
    case SQLITE_BLOB:
      out.t = cell::type::blob;
      out.p = static_cast<const char*>(sqlite3_value_blob(v));
      out.n = static_cast<std::size_t>(sqlite3_value_bytes(v));
      return;
    default: out.t = cell::type::null;
  }
}

STOWAGE_INLINE cell column_cell(sqlite3_stmt* stmt, int i) {
  cell c;
  read_cell(stmt, i, c);
  return c;
}

STOWAGE_INLINE void like_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  for (int i = 0; i < argc; ++i)
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  auto bytes_of = [](sqlite3_value* v) {
    auto p = static_cast<const char*>(sqlite3_value_blob(v));  // before _bytes, as SQLite asks
    return std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(v)));
  };
  std::string_view pattern = bytes_of(argv[0]), text = bytes_of(argv[1]);
  char escape = '\\';
  if (argc == 3) {
    std::string_view e = bytes_of(argv[2]);
    if (e.size() != 1) return sqlite3_result_error(ctx, "ESCAPE expression must be a single byte", -1);
    escape = e[0];
  }
  if (like_pattern_dangles(pattern, escape))
    return sqlite3_result_error(ctx, "LIKE pattern ends in an unpaired escape", -1);
  sqlite3_result_int(ctx, like_match(text, pattern, escape) ? 1 : 0);
}

STOWAGE_INLINE void contains_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
    return sqlite3_result_null(ctx);
  auto bytes_of = [](sqlite3_value* v) {
    auto p = static_cast<const char*>(sqlite3_value_blob(v));  // before _bytes, as SQLite asks
    return std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(v)));
  };
  sqlite3_result_int(ctx, text_contains(bytes_of(argv[0]), bytes_of(argv[1]), sqlite3_value_int(argv[2]) != 0));
}

// stowage_json_test(document, spec): a JSON-path test (sql::json_test_spec) on the stored text,
// by the evaluator memory and json_dir use. The spec is a bound parameter, the same for every
// row: it is decoded once per statement run and kept as the argument's auxiliary data.
struct json_test_args {
  op test = op::eq;
  std::vector<std::string> path;
  std::vector<json_scalar> values;
};

STOWAGE_INLINE void json_test_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* args = static_cast<json_test_args*>(sqlite3_get_auxdata(ctx, 1));
  std::unique_ptr<json_test_args> fresh;
  if (!args) {
    fresh = std::make_unique<json_test_args>();
    auto p = static_cast<const char*>(sqlite3_value_blob(argv[1]));  // before _bytes, as SQLite asks
    std::string_view spec(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(argv[1])));
    if (!sql::read_json_test_spec(spec, fresh->test, fresh->path, fresh->values))
      return sqlite3_result_error(ctx, "stowage_json_test: a malformed test", -1);
    args = fresh.get();
  }
  bool holds = false;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    holds = json_test_holds(nullptr, args->test, args->path, args->values);
  } else {
    auto p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    std::string_view text(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
    holds = json_test_holds(&text, args->test, args->path, args->values);
  }
  sqlite3_result_int(ctx, holds ? 1 : 0);
  // SQLite may free it at once (when the argument is not constant): it is not used after this
  if (fresh) sqlite3_set_auxdata(ctx, 1, fresh.release(), [](void* a) { delete static_cast<json_test_args*>(a); });
}

STOWAGE_INLINE url_options read_url_options(std::string_view url, std::string_view path) {
  auto refuse = [&](std::string_view what) -> void {
    std::string shown;  // what() is cut at a NUL byte
    for (char c : url) shown += c == '\0' ? std::string_view("\\0") : std::string_view(&c, 1);
    throw bad_input_error("the SQLite URL \"" + shown + "\": " + std::string(what));
  };
  // SQLite reads the name up to a NUL byte: it would open another file than the one named
  if (path.find('\0') != std::string_view::npos) refuse("a URL cannot hold a NUL byte");
  url_options out;
  if (!path.starts_with("file:")) return out;
  // SQLite decodes %HH in names and values after splitting at '&' and '=', and drops what
  // follows a %00 in a name or value
  auto decode = [](std::string_view s) {
    auto hex = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(c | 0x20);  // lower case
      return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    std::string d;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
        char c = static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        if (c == '\0') break;
        d += c;
        i += 2;
      } else {
        d += s[i];
      }
    }
    return d;
  };
  std::string_view query = path.substr(0, path.find('#'));
  auto start = query.find('?');
  query = start == std::string_view::npos ? std::string_view() : query.substr(start + 1);
  bool seen_timeout = false, seen_sync = false;
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    auto eq = pair.find('=');
    std::string key = decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1));
    if (key == "busy_timeout") {
      int ms = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() || ms < 0)
        refuse("busy_timeout must be a whole number of milliseconds from 0 to " +
               std::to_string(std::numeric_limits<int>::max()) + ", not \"" + value + "\"");
      if (!std::exchange(seen_timeout, true)) out.busy_timeout = ms;
    } else if (key == "synchronous") {
      if (value != "off" && value != "normal" && value != "full")
        refuse("synchronous must be off, normal or full, not \"" + value + "\"");
      if (!std::exchange(seen_sync, true)) out.synchronous = value;
    }
  }
  return out;
}

}  // namespace detail::sqlite_impl

STOWAGE_INLINE sqlite::sqlite(std::string_view url) {
  std::string path(url);
  if (path.starts_with("sqlite:")) path = "file:" + path.substr(7);
  if (path.empty()) throw bad_input_error("the sqlite backend needs a URL: \"file:path.db\" or \":memory:\"");
  auto options = detail::sqlite_impl::read_url_options(url, path);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw unavailable_error("cannot open the SQLite database \"" + std::string(url) + "\"",
                            error_context{{}, {}, {}, msg});
  }
  sqlite3_busy_timeout(raw, options.busy_timeout);
  const char* file = sqlite3_db_filename(raw, "main");
  if (file && *file) exec("PRAGMA journal_mode=WAL");
  exec(("PRAGMA synchronous=" + options.synchronous).c_str());
  // LIKE is stowage's bytewise matcher, as on the backends that filter in process; SQLite's
  // own counts UTF-8 characters, stops at a NUL and refuses patterns over 50 000 bytes
  for (int args : {2, 3}) {
    rc = sqlite3_create_function_v2(raw, "like", args, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                    &detail::sqlite_impl::like_function, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc, "cannot register the LIKE function", nullptr, {});
  }
  // contains() and icontains(), with the same bytewise test as the backends that filter in process
  rc = sqlite3_create_function_v2(raw, "stowage_contains", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                  nullptr, &detail::sqlite_impl::contains_function, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, "cannot register the contains function", nullptr, {});
  // tests inside JSON fields on paths no json_index declares, by the shared evaluator
  rc = sqlite3_create_function_v2(raw, "stowage_json_test", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                  nullptr, &detail::sqlite_impl::json_test_function, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, "cannot register the JSON path function", nullptr, {});
}

STOWAGE_INLINE sqlite::~sqlite() {
  tables_.clear();
  idle_.clear();
}

STOWAGE_INLINE auto sqlite::open_table(const detail::table_schema& s) -> table_handle {
  auto& t = tables_.emplace_back(std::make_unique<table_state>());
  t->schema = &s;
  refresh(*t);
  return t.get();
}

STOWAGE_INLINE write_result sqlite::write(table_handle h, const void* record, write_mode mode) {
  settle_queries();
  auto& t = live(h);
  const auto& s = *t.schema;
  sqlite3_stmt* st = (mode == write_mode::upsert ? t.put : mode == write_mode::insert ? t.insert : t.update).get();
  auto key = detail::key_of_record(s, record);
  reset_on_exit guard{st};
  detail::cell c;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    detail::encode_field(s, i, record, c, scratch_);  // an unstable cell's bytes are copied when bound
    int rc = detail::sqlite_impl::binder{st, static_cast<int>(i) + 1}(c);
    if (rc != SQLITE_OK) fail(rc, "cannot bind a value", t.schema, key);
  }
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) {
    if (mode == write_mode::update && sqlite3_changes(db_.get()) == 0) return write_result::key_missing;
    return write_result::done;
  }
  if (mode == write_mode::insert && (rc & 0xFF) == SQLITE_CONSTRAINT) {
    int ext = sqlite3_extended_errcode(db_.get());
    if (ext == SQLITE_CONSTRAINT_PRIMARYKEY) return write_result::key_exists;
    // the key is checked first, as on every backend: SQLite may name a unique index that the
    // record collides with as well, so ask whether the key is taken (the probe overwrites
    // the connection's error, hence the copy)
    std::string msg = sqlite3_errmsg(db_.get());
    sqlite3_reset(st);
    detail::encode_field(s, s.key, record, c, scratch_);
    if (key_taken(t, c)) return write_result::key_exists;
    fail(rc, ext, msg, "cannot write the record", t.schema, key);
  }
  fail(rc, "cannot write the record", t.schema, key);
}

STOWAGE_INLINE bool sqlite::get(table_handle h, const detail::cell& key, void* out) {
  auto& t = live(h);
  sqlite3_stmt* st = t.get.get();
  reset_on_exit guard{st};
  bind_key(t, st, key);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) fail(rc, "cannot read the record", t.schema, detail::key_of_cell(key));
  decode_into(out, st, *t.schema, detail::key_of_cell(key));
  return true;
}

STOWAGE_INLINE bool sqlite::erase(table_handle h, const detail::cell& key) {
  settle_queries();
  auto& t = live(h);
  sqlite3_stmt* st = t.erase.get();
  reset_on_exit guard{st};
  bind_key(t, st, key);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) fail(rc, "cannot delete the record", t.schema, detail::key_of_cell(key));
  return sqlite3_changes(db_.get()) > 0;
}

STOWAGE_INLINE bool sqlite::cursor::next(void* out) {
  auto& s = *state_;
  if (!s.buffered) return s.step(out);
  // a row read ahead: its stored values, decoded now, where the row is due
  const std::size_t n = s.width();
  if (s.pos + n > s.rest.size()) {
    if (s.error) std::rethrow_exception(std::exchange(s.error, nullptr));
    return false;
  }
  const value* row = s.rest.data() + s.pos;
  s.pos += n;
  if (!s.columns.empty()) {
    detail::decode_values(*s.schema, s.columns, row, static_cast<void* const*>(out));
    return true;
  }
  detail::key_ref key = detail::key_of_value(row[s.schema->key]);
  for (std::size_t i = 0; i < n; ++i) detail::decode_field(*s.schema, i, out, detail::cell_of(row[i]), key);
  return true;
}

STOWAGE_INLINE bool sqlite::cursor::state::step(void* out) {
  if (done) return false;
  int rc = sqlite3_step(statement->get());
  if (rc == SQLITE_ROW) {
    if (columns.empty()) {
      owner->decode_into(out, statement->get(), *schema, {});
    } else {
      auto outs = static_cast<void* const*>(out);
      for (std::size_t i = 0; i < columns.size(); ++i)
        detail::decode_cell(*schema, columns[i],
                            detail::sqlite_impl::column_cell(statement->get(), static_cast<int>(i)), outs[i]);
    }
    return true;
  }
  done = true;
  if (rc != SQLITE_DONE) owner->fail(rc, "cannot read the query's next record", schema, {});
  return false;
}

STOWAGE_INLINE void sqlite::cursor::state::read_rest_of(open_query& q) {
  auto& s = static_cast<state&>(q);
  int rc;
  sqlite3_stmt* st = s.statement->get();
  const int n = static_cast<int>(s.width());
  while (!s.done && (rc = sqlite3_step(st)) == SQLITE_ROW)
    for (int i = 0; i < n; ++i) s.rest.push_back(detail::to_value(detail::sqlite_impl::column_cell(st, i)));
  if (!s.done && rc != SQLITE_DONE) {
    // the rows read so far are yielded, then the failure, where it is due
    s.error = s.owner->failure(rc, "cannot read the query's next record", s.schema);
  }
  s.done = true;
  s.buffered = true;
  s.statement.reset();  // back to the cache
}

STOWAGE_INLINE auto sqlite::select(table_handle h, const detail::query_spec& q) -> cursor {
  auto& t = live(h);
  sql::builder<detail::sqlite_impl::dialect> b(*t.schema);
  b.raw("SELECT ");
  if (q.columns.empty()) b.column_list();
  for (std::size_t i = 0; i < q.columns.size(); ++i) {
    if (i) b.raw(", ");
    b.column(q.columns[i]);
  }
  b.raw(" FROM ").ident(t.schema->table).clauses(q);
  return cursor(this, t.schema, prepared(t, b), q.columns);
}

STOWAGE_INLINE std::uint64_t sqlite::count(table_handle h, const detail::query_spec& q) {
  auto& t = live(h);
  sql::builder<detail::sqlite_impl::dialect> b(*t.schema);
  if (q.limit || q.offset)
    b.raw("SELECT COUNT(*) FROM (SELECT 1 FROM ").ident(t.schema->table).clauses(q, false).raw(")");
  else
    b.raw("SELECT COUNT(*) FROM ").ident(t.schema->table).clauses(q, false);  // an aggregate needs no order
  lease l = prepared(t, b);
  int rc = sqlite3_step(l.get());
  if (rc != SQLITE_ROW) fail(rc, "cannot count records", t.schema, {});
  auto n = static_cast<std::uint64_t>(sqlite3_column_int64(l.get(), 0));
  sqlite3_reset(l.get());
  return n;
}

STOWAGE_INLINE std::uint64_t sqlite::erase_where(table_handle h, const detail::query_spec& q) {
  settle_queries();
  auto& t = live(h);
  sql::builder<detail::sqlite_impl::dialect> b(*t.schema);
  b.raw("DELETE FROM ").ident(t.schema->table);
  if (q.filter) b.raw(" WHERE ").condition(*q.filter);
  return change_rows(t, b, "cannot delete the records");
}

STOWAGE_INLINE std::uint64_t sqlite::update_where(table_handle h, const detail::query_spec& q,
                                                  std::span<const detail::field_change> changes) {
  settle_queries();
  auto& t = live(h);
  const auto& s = *t.schema;
  sql::builder<detail::sqlite_impl::dialect> b(s);
  b.raw("UPDATE ").ident(s.table).raw(" SET ");
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (i) b.raw(", ");
    b.column(changes[i].field).raw(" = ").param(changes[i].to, s.columns[changes[i].field].kind);
  }
  if (q.filter) b.raw(" WHERE ").condition(*q.filter);
  return change_rows(t, b, "cannot update the records");
}

STOWAGE_INLINE std::vector<detail::group_count> sqlite::count_groups(table_handle h, const detail::query_spec& q,
                                                                     std::size_t field) {
  auto& t = live(h);
  sql::builder<detail::sqlite_impl::dialect> b(*t.schema);
  b.raw("SELECT ").column(field).raw(", COUNT(*) FROM ").ident(t.schema->table);
  if (q.filter) b.raw(" WHERE ").condition(*q.filter);
  // SQLite puts NULL first in ascending order, as stowage does
  b.raw(" GROUP BY ").column(field).raw(" ORDER BY ").column(field).raw(detail::sqlite_impl::dialect::asc);
  lease l = prepared(t, b);
  std::vector<detail::group_count> out;
  int rc;
  while ((rc = sqlite3_step(l.get())) == SQLITE_ROW)
    out.push_back({detail::to_value(detail::sqlite_impl::column_cell(l.get(), 0)),
                   static_cast<std::uint64_t>(sqlite3_column_int64(l.get(), 1))});
  if (rc != SQLITE_DONE) fail(rc, "cannot count the records by value", t.schema, {});
  return out;
}

STOWAGE_INLINE std::uint64_t sqlite::change_rows(const table_state& t, sql::builder<detail::sqlite_impl::dialect>& b,
                                                 std::string_view what) {
  lease l = prepared(t, b);
  int rc = sqlite3_step(l.get());
  if (rc != SQLITE_DONE) fail(rc, what, t.schema, {});
  return static_cast<std::uint64_t>(sqlite3_changes(db_.get()));
}

STOWAGE_INLINE void sqlite::clear(table_handle h) {
  settle_queries();
  auto& t = live(h);
  reset_on_exit guard{t.clear.get()};
  int rc = sqlite3_step(t.clear.get());
  if (rc != SQLITE_DONE) fail(rc, "cannot clear the table", t.schema, {});
}

STOWAGE_INLINE void sqlite::begin(unsigned depth) {
  // an open query's read transaction would become this one's, and could not take the write lock
  // should another connection have written since the query began
  if (depth == 0) settle_queries();
  if (depth == 0)
    exec("BEGIN IMMEDIATE");
  else
    exec(("SAVEPOINT stowage_" + std::to_string(depth)).c_str());
  depth_ = depth + 1;
}

STOWAGE_INLINE void sqlite::commit(unsigned depth) {
  settle_queries();
  if (depth == 0)
    exec("COMMIT");
  else
    exec(("RELEASE stowage_" + std::to_string(depth)).c_str());
  depth_ = depth;
  if (depth == 0) schema_changed_in_transaction_ = false;
}

STOWAGE_INLINE void sqlite::rollback(unsigned depth) {
  settle_queries();  // a rollback would cut the open queries short
  depth_ = depth;
  if (depth == 0) {
    // ROLLBACK fails when SQLite already rolled back by itself (after an I/O error or a full disk)
    if (!sqlite3_get_autocommit(db_.get())) exec("ROLLBACK");
  } else {
    auto name = "stowage_" + std::to_string(depth);
    exec(("ROLLBACK TO " + name + "; RELEASE " + name).c_str());
  }
  // tables created or migrated inside the rolled-back scope may be gone again
  if (schema_changed_in_transaction_)
    for (auto& t : tables_) t->stale = true;
  if (depth == 0) schema_changed_in_transaction_ = false;
}

STOWAGE_INLINE void sqlite::settle_queries() {
  if (open_queries_.empty()) return;
  auto open = std::exchange(open_queries_, {});
  for (open_query* q : open) q->read_rest(*q);
}

STOWAGE_INLINE void sqlite::fail(int rc, int ext, std::string msg, std::string_view what, const detail::table_schema* s,
                                 const detail::key_ref& key) {
  error_kind kind = error_kind::internal;
  switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT: kind = error_kind::constraint; break;
    case SQLITE_BUSY: kind = ext == SQLITE_BUSY_SNAPSHOT ? error_kind::conflict : error_kind::unavailable; break;
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL: kind = error_kind::unavailable; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: kind = error_kind::corrupt; break;
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE: kind = error_kind::bad_input; break;
    default: break;
  }
  error_context ctx = s ? detail::context_of(*s, key, msg) : error_context{{}, {}, key.text(), msg};
  // a snapshot that went stale under another writer: the transaction may succeed when run again
  if (ext == SQLITE_BUSY_SNAPSHOT) throw retryable_conflict(what, std::move(ctx));
  throw_error(kind, what, std::move(ctx));
}

STOWAGE_INLINE void sqlite::exec(const char* sql, const detail::table_schema* s) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) fail(rc, std::string("cannot run ") + sql, s, {});
}

STOWAGE_INLINE detail::sqlite_impl::statement sqlite::prepare(const std::string& sql, const detail::table_schema* s) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size() + 1), SQLITE_PREPARE_PERSISTENT, &st,
                              nullptr);
  detail::sqlite_impl::statement out(st);
  if (rc != SQLITE_OK) fail(rc, "cannot prepare " + sql, s, {});
  return out;
}

STOWAGE_INLINE auto sqlite::prepared(const table_state& t, sql::builder<detail::sqlite_impl::dialect>& b) -> lease {
  detail::sqlite_impl::statement st;
  auto it = idle_.find(b.text);
  if (it != idle_.end() && !it->second.empty()) {
    st = std::move(it->second.back());
    it->second.pop_back();
  } else {
    st = prepare(b.text, t.schema);
  }
  lease l(this, std::move(b.text), std::move(b.params), std::move(st));
  for (std::size_t i = 0; i < l.params().size(); ++i) {
    int rc = detail::sqlite_impl::binder{l.get(), static_cast<int>(i) + 1}(l.params()[i]);
    if (rc != SQLITE_OK) fail(rc, "cannot bind a query parameter", t.schema, {});
  }
  return l;
}

STOWAGE_INLINE void sqlite::give_back(std::string sql, detail::sqlite_impl::statement st) {
  sqlite3_reset(st.get());
  sqlite3_clear_bindings(st.get());
  if (idle_.size() >= max_cached_queries && !idle_.count(sql)) idle_.erase(idle_.begin());
  idle_[std::move(sql)].push_back(std::move(st));
}

STOWAGE_INLINE bool sqlite::key_taken(table_state& t, const detail::cell& key) {
  sqlite3_stmt* st = t.get.get();
  reset_on_exit guard{st};
  bind_key(t, st, key);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(rc, "cannot read the record", t.schema, detail::key_of_cell(key));
  return rc == SQLITE_ROW;
}

STOWAGE_INLINE void sqlite::bind_key(const table_state& t, sqlite3_stmt* st, const detail::cell& key) {
  int rc = detail::sqlite_impl::binder{st, 1}(key);
  if (rc != SQLITE_OK) fail(rc, "cannot bind the key", t.schema, detail::key_of_cell(key));
}

STOWAGE_INLINE void sqlite::decode_into(void* out, sqlite3_stmt* st, const detail::table_schema& s,
                                        detail::key_ref key) {
  // name the row by the key it holds, rendered only if an error needs it: the statement is
  // still on this row while the fields are decoded
  if (!key.render)
    key = detail::key_ref{[](const void* stmt, const void* schema) {
                            auto col = static_cast<int>(static_cast<const detail::table_schema*>(schema)->key);
                            auto cell = detail::sqlite_impl::column_cell(
                                static_cast<sqlite3_stmt*>(const_cast<void*>(stmt)), col);
                            return detail::describe(detail::to_value(cell));
                          },
                          st, &s};
  const int n = static_cast<int>(s.columns.size());
  detail::cell c;
  for (int i = 0; i < n; ++i) {
    detail::sqlite_impl::read_cell(st, i, c);
    detail::decode_field(s, static_cast<std::size_t>(i), out, c, key);
  }
}

STOWAGE_INLINE std::exception_ptr sqlite::failure(int rc, std::string_view what, const detail::table_schema* s) {
  try {
    fail(rc, what, s, {});
  } catch (...) {
    return std::current_exception();
  }
}

STOWAGE_INLINE auto sqlite::live(table_handle h) -> table_state& {
  if (h->stale) refresh(*h);
  return *h;
}

STOWAGE_INLINE void sqlite::refresh(table_state& t) {
  settle_queries();  // a table created or altered under a running statement
  const auto& s = *t.schema;
  if (depth_ > 0) schema_changed_in_transaction_ = true;
  exec("SAVEPOINT stowage_open", &s);
  try {
    create_or_migrate(s);
    exec("RELEASE stowage_open", &s);
  } catch (...) {
    sqlite3_exec(db_.get(), "ROLLBACK TO stowage_open; RELEASE stowage_open", nullptr, nullptr, nullptr);
    throw;
  }
  prepare_statements(t);
  t.stale = false;
}

STOWAGE_INLINE std::vector<detail::stored_column> sqlite::stored_columns(const detail::table_schema& s) {
  std::string sql = "SELECT name, type, pk FROM pragma_table_info(?1)";
  auto st = prepare(sql, &s);
  sqlite3_bind_text(st.get(), 1, s.table.data(), static_cast<int>(s.table.size()), SQLITE_STATIC);
  std::vector<detail::stored_column> out;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    std::string col = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
    std::string type = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1));
    auto kind = detail::sqlite_impl::kind_of_type(type);
    if (!kind)
      throw schema_error("the stored column '" + col + "' has the type " + type + ", which stowage does not create",
                         detail::context_of(s));
    out.push_back({col, *kind, sqlite3_column_int(st.get(), 2) > 0});
  }
  if (rc != SQLITE_DONE) fail(rc, "cannot read the table's columns", &s, {});
  return out;
}

STOWAGE_INLINE void sqlite::create_or_migrate(const detail::table_schema& s) {
  using detail::sqlite_impl::column_type;
  auto stored = stored_columns(s);
  sql::builder<detail::sqlite_impl::dialect> b(s);
  if (stored.empty()) {
    bool integer_key = s.columns[s.key].kind == column_kind::int16 || s.columns[s.key].kind == column_kind::int32 ||
                       s.columns[s.key].kind == column_kind::int64;
    b.raw("CREATE TABLE ").ident(s.table).raw(" (");
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
      if (i) b.raw(", ");
      b.column(i).raw(" ").raw(column_type(s.columns[i].kind));
      if (!s.columns[i].nullable) b.raw(" NOT NULL");
      if (i == s.key) b.raw(" PRIMARY KEY");
    }
    // an INTEGER PRIMARY KEY is the rowid itself; other keys are cheaper clustered
    b.raw(integer_key ? ")" : ") WITHOUT ROWID");
    exec(b.text.c_str(), &s);
  } else {
    auto plan = detail::plan_migration(s, stored);
    for (std::size_t i : plan.added) {
      // added as nullable: SQLite needs a literal default for NOT NULL, and values go in as
      // parameters only
      sql::builder<detail::sqlite_impl::dialect> add(s);
      add.raw("ALTER TABLE ").ident(s.table).raw(" ADD COLUMN ").column(i).raw(" ").raw(column_type(s.columns[i].kind));
      exec(add.text.c_str(), &s);
      if (s.columns[i].default_value.index() != 0) {
        sql::builder<detail::sqlite_impl::dialect> fill(s);
        fill.raw("UPDATE ").ident(s.table).raw(" SET ").column(i).raw(" = ").param(s.columns[i].default_value);
        auto st = prepare(fill.text, &s);
        detail::sqlite_impl::binder{st.get(), 1}(fill.params[0]);
        int rc = sqlite3_step(st.get());
        if (rc != SQLITE_DONE) fail(rc, "cannot fill an added column with its default", &s, {});
      }
    }
  }
  for (const auto& ix : s.indexes) {
    sql::builder<detail::sqlite_impl::dialect> c(s);
    c.raw(ix.unique ? "CREATE UNIQUE INDEX IF NOT EXISTS " : "CREATE INDEX IF NOT EXISTS ")
        .ident(ix.name)
        .raw(" ON ")
        .ident(s.table)
        .raw(" (");
    if (ix.json) c.json_index_expression(ix);
    for (std::size_t i = 0; i < ix.columns.size() && !ix.json; ++i) {
      if (i) c.raw(", ");
      c.column(ix.columns[i]);
    }
    c.raw(")");
    exec(c.text.c_str(), &s);
  }
}

STOWAGE_INLINE void sqlite::prepare_statements(table_state& t) {
  const auto& s = *t.schema;
  using B = sql::builder<detail::sqlite_impl::dialect>;
  // "?" + std::to_string(n) would do, but g++ 12 at -O3 takes the insertion at the front of the
  // temporary for an overflow (a false -Wstringop-overflow / -Wrestrict), and a header is
  // compiled with its users' flags: the text is appended piece by piece instead
  auto placeholders = [&](B& b) {
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
      if (i) b.raw(", ");
      b.raw("?").raw(std::to_string(i + 1));
    }
  };
  B insert(s);
  insert.raw("INSERT INTO ").ident(s.table).raw(" (").column_list().raw(") VALUES (");
  placeholders(insert);
  insert.raw(")");
  B put = insert;
  put.raw(" ON CONFLICT (").column(s.key).raw(")");
  if (s.columns.size() == 1)
    put.raw(" DO NOTHING");
  else {
    put.raw(" DO UPDATE SET ");
    bool first = true;
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
      if (i == s.key) continue;
      if (!first) put.raw(", ");
      first = false;
      put.column(i).raw(" = excluded.").column(i);
    }
  }
  B update(s);
  update.raw("UPDATE ").ident(s.table).raw(" SET ");
  bool first = true;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    if (i == s.key) continue;
    if (!first) update.raw(", ");
    first = false;
    update.column(i).raw(" = ?").raw(std::to_string(i + 1));
  }
  if (first) update.column(s.key).raw(" = ?").raw(std::to_string(s.key + 1));  // a key-only record
  update.raw(" WHERE ").column(s.key).raw(" = ?").raw(std::to_string(s.key + 1));
  B get(s);
  get.raw("SELECT ").column_list().raw(" FROM ").ident(s.table).raw(" WHERE ").column(s.key).raw(" = ?1");
  B erase(s);
  erase.raw("DELETE FROM ").ident(s.table).raw(" WHERE ").column(s.key).raw(" = ?1");
  B clear(s);
  clear.raw("DELETE FROM ").ident(s.table);
  t.put = prepare(put.text, &s);
  t.insert = prepare(insert.text, &s);
  t.update = prepare(update.text, &s);
  t.get = prepare(get.text, &s);
  t.erase = prepare(erase.text, &s);
  t.clear = prepare(clear.text, &s);
}

STOWAGE_INLINE sqlite::lease::lease(sqlite* owner, std::string sql, std::vector<value> params,
                                    detail::sqlite_impl::statement st)
    : owner_(owner), sql_(std::move(sql)), params_(std::move(params)), st_(std::move(st)) {}

STOWAGE_INLINE sqlite::lease::~lease() {
  if (st_) owner_->give_back(std::move(sql_), std::move(st_));
}

STOWAGE_INLINE sqlite3_stmt* sqlite::lease::get() const noexcept { return st_.get(); }

STOWAGE_INLINE const std::vector<value>& sqlite::lease::params() const noexcept { return params_; }

STOWAGE_INLINE sqlite::cursor::cursor(sqlite* owner, const detail::table_schema* s, lease l,
                                      std::vector<std::size_t> columns)
    : state_(std::make_unique<state>(owner, s, std::move(l), std::move(columns))) {
  owner->open_queries_.push_back(state_.get());
}

STOWAGE_INLINE sqlite::cursor::~cursor() {
  if (state_ && !state_->buffered) std::erase(state_->owner->open_queries_, state_.get());
}

STOWAGE_INLINE sqlite::reset_on_exit::~reset_on_exit() { sqlite3_reset(st); }

STOWAGE_INLINE void sqlite::fail(int rc, std::string_view what, const detail::table_schema* s,
                                 const detail::key_ref& key) {
  fail(rc, sqlite3_extended_errcode(db_.get()), sqlite3_errmsg(db_.get()), what, s, key);
}
}  // namespace stowage
