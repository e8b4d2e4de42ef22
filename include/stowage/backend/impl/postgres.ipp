// The PostgreSQL backend's functions, compiled where <stowage/detail/config.hpp> says.
#pragma once

namespace stowage {
namespace detail::pg {

STOWAGE_INLINE connection::~connection() {
  if (conn) PQfinish(conn);
}

STOWAGE_INLINE std::optional<column_kind> kind_of_type(std::string_view t) {
  if (t == "bool") return column_kind::boolean;
  if (t == "int2") return column_kind::int16;
  if (t == "int4") return column_kind::int32;
  if (t == "int8") return column_kind::int64;
  if (t == "float4") return column_kind::real32;
  if (t == "float8") return column_kind::real64;
  if (t == "text" || t == "varchar") return column_kind::text;
  if (t == "bytea") return column_kind::blob;
  if (t == "timestamptz") return column_kind::timestamp;
  if (t == "jsonb") return column_kind::json;
  return std::nullopt;
}

STOWAGE_INLINE std::uint64_t read_be(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

STOWAGE_INLINE void write_be(byte_buffer& out, std::uint64_t v, int n) {
  char* p = out.extend(static_cast<std::size_t>(n));
  for (int i = n - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xFF);
}

STOWAGE_INLINE bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t cp = c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

STOWAGE_INLINE std::size_t plain_ascii_prefix(std::string_view s) {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  // whether the 8 bytes at `at` are all plain: a byte of 0 borrows into its high bit (a borrow
  // goes on upwards only from a byte of 0), a byte of 0x80 or more has it already
  auto plain = [&](std::size_t at) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + at, 8);
    return ((w | (w - ones)) & highs) == 0;
  };
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8)
    if (!plain(i)) return i;
  // fewer than 8 left: in text of 8 bytes or more the last 8, overlapping bytes found plain,
  // settle them in one step; the loop below finds where they stop being plain otherwise
  if (i < s.size() && s.size() >= 8 && plain(s.size() - 8)) return s.size();
  while (i < s.size() && static_cast<unsigned char>(s[i] - 1) < 0x7F) ++i;
  return i;
}

[[noreturn]] STOWAGE_INLINE void refuse_int(column_kind k, std::int64_t v) {
  if (k == column_kind::timestamp)
    throw codec_failure{error_kind::bad_input, "the time is out of the range PostgreSQL stores (4713 BC to 294276 AD)"};
  throw codec_failure{error_kind::bad_input,
                      std::to_string(v) + " does not fit the stored column (" + std::string(column_type(k)) + ")"};
}

[[noreturn]] STOWAGE_INLINE void refuse_json_nul() {
  throw codec_failure{error_kind::bad_input,
                      "PostgreSQL jsonb cannot hold a NUL character (\\u0000) in a string or a member's name"};
}

STOWAGE_INLINE bool json_has_nul(std::string_view t) {
  for (auto at = t.find("\\u0000"); at != std::string_view::npos; at = t.find("\\u0000", at + 1)) {
    std::size_t slashes = 0;  // before it: an odd count makes it an escaped backslash and text "u0000"
    while (slashes < at && t[at - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return true;
  }
  return false;
}

[[noreturn]] STOWAGE_INLINE void refuse_text(bool nul) {
  if (nul)
    throw codec_failure{error_kind::bad_input,
                        "PostgreSQL text cannot hold a NUL byte (store such data as stowage::bytes)"};
  throw codec_failure{error_kind::bad_input, "PostgreSQL text must be valid UTF-8"};
}

/// Writes an integer's binary form for a column of kind k at p (int_size(k) bytes). Refuses
/// what PostgreSQL cannot store, naming the reason.
[[gnu::always_inline]] inline void put_int(char* p, column_kind k, std::int64_t v) {
  switch (k) {
    case column_kind::boolean: *p = static_cast<char>(v != 0); return;
    case column_kind::int16:
      if (v != static_cast<std::int16_t>(v)) refuse_int(k, v);
      put_be<2>(p, static_cast<std::uint64_t>(v));
      return;
    case column_kind::int32:
      if (v != static_cast<std::int32_t>(v)) refuse_int(k, v);
      put_be<4>(p, static_cast<std::uint64_t>(v));
      return;
    case column_kind::timestamp:
      if (v < min_timestamp_us + epoch_shift_us || v - epoch_shift_us >= end_timestamp_us) refuse_int(k, v);
      put_be<8>(p, static_cast<std::uint64_t>(v - epoch_shift_us));
      return;
    default: put_be<8>(p, static_cast<std::uint64_t>(v)); return;
  }
}

/// Text is sent as it is (after the checks), jsonb with its version byte first.
[[gnu::always_inline]] inline void check_text(column_kind k, std::string_view t) {
  if (k == column_kind::json) {
    // the JSON codec wrote it: valid UTF-8, NUL escaped, and jsonb refuses that escape (an
    // error the server would raise, aborting the transaction the write is in)
    if (json_has_nul(t)) [[unlikely]]
      refuse_json_nul();
    return;
  }
  std::size_t plain = plain_ascii_prefix(t);
  if (plain == t.size()) return;
  t.remove_prefix(plain);
  if (t.find('\0') != std::string_view::npos) refuse_text(true);
  if (!valid_utf8(t)) refuse_text(false);
}

STOWAGE_INLINE void append_binary(byte_buffer& out, column_kind k, std::int64_t v) {
  char* p = out.extend(int_size(k));
  put_int(p, k, v);
}

STOWAGE_INLINE void append_binary(byte_buffer& out, column_kind k, double v) {
  if (k == column_kind::real32)
    put_be<4>(out.extend(4), std::bit_cast<std::uint32_t>(static_cast<float>(v)));
  else
    put_be<8>(out.extend(8), std::bit_cast<std::uint64_t>(v));
}

STOWAGE_INLINE void append_text(byte_buffer& out, column_kind k, std::string_view t) {
  check_text(k, t);
  if (k == column_kind::json) *out.extend(1) = '\1';
  out.append(t.data(), t.size());
}

STOWAGE_INLINE void append_binary(byte_buffer& out, column_kind k, const cell& c) {
  switch (c.t) {
    case cell::type::integer: append_binary(out, k, c.i); return;
    case cell::type::real: append_binary(out, k, c.d); return;
    case cell::type::text: append_text(out, k, c.text()); return;
    case cell::type::blob: out.append(c.p, c.n); return;
    case cell::type::null: return;
  }
}

/// Appends one field of a binary COPY row at w, its length first, for a column stored as kind k.
[[gnu::always_inline]] inline void copy_field(byte_buffer& out, byte_buffer::cursor& w, column_kind k, const cell& c) {
  switch (c.t) {
    case cell::type::null: put_be<4>(out.take(w, 4), 0xFFFFFFFF); return;
    case cell::type::integer: {
      if (k == column_kind::int64) {  // the usual case, without put_int's switch
        char* p = out.take(w, 12);
        put_be<4>(p, 8);
        put_be<8>(p + 4, static_cast<std::uint64_t>(c.i));
        return;
      }
      std::size_t n = int_size(k);
      char* p = out.take(w, 4 + n);
      put_be<4>(p, n);
      put_int(p + 4, k, c.i);
      return;
    }
    case cell::type::real: {
      if (k == column_kind::real32) {
        char* p = out.take(w, 8);
        put_be<4>(p, 4);
        put_be<4>(p + 4, std::bit_cast<std::uint32_t>(static_cast<float>(c.d)));
      } else {
        char* p = out.take(w, 12);
        put_be<4>(p, 8);
        put_be<8>(p + 4, std::bit_cast<std::uint64_t>(c.d));
      }
      return;
    }
    case cell::type::text: {
      std::string_view t = c.text();
      check_text(k, t);
      bool json = k == column_kind::json;
      std::size_t n = t.size() + (json ? 1 : 0);
      char* p = out.take(w, 4 + n);
      put_be<4>(p, n);
      if (json) p[4] = '\1';
      if (!t.empty()) std::memcpy(p + 4 + (json ? 1 : 0), t.data(), t.size());
      return;
    }
    case cell::type::blob: {
      char* p = out.take(w, 4 + c.n);
      put_be<4>(p, c.n);
      if (c.n) std::memcpy(p + 4, c.p, c.n);
      return;
    }
  }
}

STOWAGE_INLINE void drain(PGconn* c) {
  while (result r{PQgetResult(c)}) {
  }
}

STOWAGE_INLINE std::string clipped(std::string_view sql) {
  return sql.size() <= 200 ? std::string(sql) : std::string(sql.substr(0, 200)) + "...";
}

STOWAGE_INLINE int mismatched_column(const PGresult* res, const std::vector<column_kind>& stored) {
  for (std::size_t i = 0; i < stored.size(); ++i) {
    Oid t = PQftype(res, static_cast<int>(i));
    if (t != result_type(stored[i]) && !(stored[i] == column_kind::text && t == varchar_oid))
      return static_cast<int>(i);
  }
  return -1;
}

[[noreturn]] STOWAGE_INLINE void refuse_bytes(const char* expected, std::size_t n, column_kind k) {
  throw codec_failure{error_kind::corrupt, std::string("expected ") + expected + ", found a " + std::to_string(n) +
                                               "-byte value of a " + std::string(column_type(k)) + " column"};
}

/// One field of one row of a binary result whose column types were checked, as a cell: two
/// libpq calls (the bytes and their length; a third for NULL only when a text or bytes value is
/// empty), the type taken from the column's kind. Text and bytes point into the result.
cell result_cell(const PGresult* res, int row, int col, column_kind k);

[[gnu::always_inline]] inline cell result_cell(const PGresult* res, int row, int col, column_kind k) {
  const char* p = PQgetvalue(res, row, col);
  auto n = static_cast<std::size_t>(PQgetlength(res, row, col));
  switch (k) {
    case column_kind::text:
    case column_kind::blob:
    case column_kind::json:
      if (n == 0 && PQgetisnull(res, row, col)) return cell::null();
      if (k == column_kind::blob) return cell::blob({reinterpret_cast<const std::byte*>(p), n});
      if (k == column_kind::text) return cell::text({p, n});
      if (n == 0 || p[0] != 1) throw codec_failure{error_kind::corrupt, "unknown jsonb format version"};
      return cell::text({p + 1, n - 1});
    default: break;
  }
  // a value of a fixed-size type is never empty: length 0 is NULL
  if (n == 0) return cell::null();
  switch (k) {
    case column_kind::int64:
      if (n != 8) refuse_bytes("an integer", n, k);
      return cell::integer(static_cast<std::int64_t>(get_be<8>(p)));
    case column_kind::int32:
      if (n != 4) refuse_bytes("an integer", n, k);
      return cell::integer(static_cast<std::int32_t>(static_cast<std::uint32_t>(get_be<4>(p))));
    case column_kind::int16:
      if (n != 2) refuse_bytes("an integer", n, k);
      return cell::integer(static_cast<std::int16_t>(static_cast<std::uint16_t>(get_be<2>(p))));
    case column_kind::boolean:
      if (n != 1) refuse_bytes("an integer", n, k);
      return cell::integer(p[0] != 0);
    case column_kind::timestamp:
      if (n != 8) refuse_bytes("an integer", n, k);
      return cell::integer(static_cast<std::int64_t>(get_be<8>(p)) + epoch_shift_us);
    case column_kind::real64:
      if (n != 8) refuse_bytes("a number", n, k);
      return cell::real(std::bit_cast<double>(get_be<8>(p)));
    case column_kind::real32:
      if (n != 4) refuse_bytes("a number", n, k);
      return cell::real(std::bit_cast<float>(static_cast<std::uint32_t>(get_be<4>(p))));
    default: refuse_bytes("a value", n, k);
  }
}

STOWAGE_INLINE std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

STOWAGE_INLINE settings parse_url(std::string_view url) {
  settings s;
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://"))
    throw bad_input_error("a postgres URL starts with postgresql:// (for example postgresql://user@localhost/db)");
  // the URL for messages: the password replaced by ***
  s.shown = std::string(url);
  auto scheme_end = s.shown.find("://") + 3;
  auto at = s.shown.find('@', scheme_end);
  auto colon = s.shown.find(':', scheme_end);
  if (at != std::string::npos && colon != std::string::npos && colon < at)
    s.shown.replace(colon + 1, at - colon - 1, "***");
  for (std::size_t p = s.shown.find("password="); p != std::string::npos; p = s.shown.find("password=", p + 1)) {
    if (p > 0 && s.shown[p - 1] != '?' && s.shown[p - 1] != '&') continue;
    auto end = s.shown.find('&', p);
    s.shown.replace(p + 9, (end == std::string::npos ? s.shown.size() : end) - p - 9, "***");
  }

  auto q = url.find('?');
  std::string base(url.substr(0, q));
  std::string rest;
  bool has_connect_timeout = false;
  if (q != std::string_view::npos) {
    std::string_view query = url.substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view item = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      auto eq = item.find('=');
      std::string key(item.substr(0, eq));
      std::string val = eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1));
      auto number = [&](const char* what) {
        std::size_t used = 0;
        unsigned long long n = 0;
        try {
          n = std::stoull(val, &used);
        } catch (...) {
        }
        if (used == 0 || used != val.size())
          throw bad_input_error(std::string(what) + " must be a number, not \"" + val + "\"");
        return n;
      };
      if (key == "pool_size") {
        s.pool_size = number("pool_size");
        if (s.pool_size == 0) throw bad_input_error("pool_size must be at least 1");
      } else if (key == "pool_timeout") {
        s.pool_timeout = std::chrono::milliseconds(number("pool_timeout"));
      } else if (key == "isolation") {
        if (val == "read_committed")
          s.level = isolation::read_committed;
        else if (val == "repeatable_read")
          s.level = isolation::repeatable_read;
        else if (val == "serializable")
          s.level = isolation::serializable;
        else
          throw bad_input_error("isolation must be read_committed, repeatable_read or serializable, not \"" + val +
                                "\"");
      } else if (key == "schema") {
        s.schema = val;
      } else {
        if (key == "connect_timeout") has_connect_timeout = true;
        rest += rest.empty() ? "" : "&";
        rest += item;
      }
    }
  }
  if (!has_connect_timeout) rest += rest.empty() ? "connect_timeout=10" : "&connect_timeout=10";
  rest += "&client_encoding=UTF8";
  s.conninfo = base + "?" + rest;
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(s.conninfo.c_str(), &err);
  if (!opts) {
    std::string msg = err ? err : "cannot parse";
    PQfreemem(err);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw bad_input_error("the postgres URL \"" + s.shown + "\" is not valid", error_context{{}, {}, {}, msg});
  }
  PQconninfoFree(opts);
  return s;
}

STOWAGE_INLINE std::string trimmed(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

STOWAGE_INLINE bool connection_lost(connection& c) {
  if (PQstatus(c.conn) != CONNECTION_OK || PQsocket(c.conn) < 0) return true;
  for (int reads = 0; reads < 8; ++reads) {
    pollfd p{PQsocket(c.conn), POLLIN, 0};
    if (::poll(&p, 1, 0) == 0) return false;
    if (PQconsumeInput(c.conn) == 0 || PQstatus(c.conn) != CONNECTION_OK) return true;
  }
  return false;  // still talking: alive
}

STOWAGE_INLINE void params::add(column_kind k, const cell& c) {
  if (c.t == cell::type::null) {
    slots_.push_back({nullptr, 0, -1});
    return;
  }
  if (c.stable && ((c.t == cell::type::text && k != column_kind::json) || c.t == cell::type::blob)) {
    if (c.t == cell::type::text) check_text(k, c.text());
    slots_.push_back({c.n ? c.p : "", 0, static_cast<int>(c.n)});
    return;
  }
  std::size_t at = scratch_.size();
  append_binary(scratch_, param_kind(k), c);
  slots_.push_back({nullptr, at, static_cast<int>(scratch_.size() - at)});
}

STOWAGE_INLINE void params::add(column_kind k, const value& v) { add(k, cell_of(v)); }

STOWAGE_INLINE const char* const* params::values() {
  values_.resize(slots_.size());
  lengths_.resize(slots_.size());
  formats_.assign(slots_.size(), 1);
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const auto& s = slots_[i];
    values_[i] = s.length < 0 ? nullptr : s.external ? s.external : scratch_.data() + s.offset;
    lengths_[i] = s.length < 0 ? 0 : s.length;
  }
  return values_.data();
}

STOWAGE_INLINE std::unique_ptr<connection> pool::acquire() {
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + settings_.pool_timeout;
  for (;;) {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      // a connection back for a moment only is taken on trust: a poll() per operation is not
      // free, and a server lost since then fails the operation as unavailable anyway
      if (std::chrono::steady_clock::now() - c->idle_since < std::chrono::milliseconds(100) || alive(*c)) return c;
      // the server closed it while it was idle: the others are likely gone too
      --open_;
      drop_idle_locked();
    }
    if (open_ < settings_.pool_size) {
      ++open_;
      std::uint64_t epoch = epoch_;
      lock.unlock();
      try {
        return connect(epoch);
      } catch (...) {
        lock.lock();
        --open_;
        available_.notify_one();
        throw;
      }
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= settings_.pool_size)
      throw unavailable_error("all " + std::to_string(settings_.pool_size) + " connections of the pool to " +
                              settings_.shown + " stayed busy for " + std::to_string(settings_.pool_timeout.count()) +
                              " ms (raise pool_size or pool_timeout)");
  }
}

STOWAGE_INLINE void pool::release(std::unique_ptr<connection> c) {
  bool reusable = !c->broken && PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) == PQTRANS_IDLE;
  std::lock_guard lock(mutex_);
  if (reusable && c->epoch == epoch_) {
    c->idle_since = std::chrono::steady_clock::now();
    idle_.push_back(std::move(c));
  } else {
    --open_;
    if (PQstatus(c->conn) != CONNECTION_OK || c->broken) drop_idle_locked();
    c.reset();
  }
  available_.notify_one();
}

STOWAGE_INLINE bool pool::alive(connection& c) {
  if (PQstatus(c.conn) != CONNECTION_OK) return false;
  pollfd p{PQsocket(c.conn), POLLIN, 0};
  if (::poll(&p, 1, 0) == 0) return true;  // nothing arrived while idle
  return PQconsumeInput(c.conn) == 1 && PQstatus(c.conn) == CONNECTION_OK;
}

STOWAGE_INLINE void pool::drop_idle_locked() {
  ++epoch_;
  open_ -= idle_.size();
  idle_.clear();
}

STOWAGE_INLINE std::unique_ptr<connection> pool::connect(std::uint64_t epoch) {
  auto c = std::make_unique<connection>();
  c->epoch = epoch;
  c->conn = PQconnectdb(settings_.conninfo.c_str());
  if (!c->conn || PQstatus(c->conn) != CONNECTION_OK)
    throw unavailable_error("cannot connect to " + settings_.shown,
                            error_context{{}, {}, {}, trimmed(c->conn ? PQerrorMessage(c->conn) : "out of memory")});
  // the server's notices ("relation ... already exists, skipping") are not the user's business
  PQsetNoticeProcessor(
      c->conn, [](void*, const char*) {}, nullptr);
  if (!settings_.schema.empty()) {
    std::string sql = "SET search_path TO ";
    sql::quote_identifier(sql, settings_.schema, '"');
    result r(PQexec(c->conn, sql.c_str()));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      throw unavailable_error("cannot use the schema " + settings_.schema,
                              error_context{{}, {}, {}, trimmed(PQerrorMessage(c->conn))});
  }
  return c;
}

}  // namespace detail::pg

STOWAGE_INLINE postgres::postgres(std::string_view url) : pool_(detail::pg::parse_url(url)) {
  // connect once now: a wrong URL or an unreachable server is reported here
  auto c = pool_.acquire();
  if (!pool_.config().schema.empty()) {
    std::string sql = "CREATE SCHEMA IF NOT EXISTS ";
    sql::quote_identifier(sql, pool_.config().schema, '"');
    // the connection set search_path to a schema that may not have existed: set it again
    sql += "; SET search_path TO ";
    sql::quote_identifier(sql, pool_.config().schema, '"');
    detail::pg::result r(PQexec(c->conn, sql.c_str()));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      fail(*c, r.get(), "cannot create the schema " + pool_.config().schema, nullptr, {});
  }
  pool_.release(std::move(c));
}

STOWAGE_INLINE auto postgres::open_table(const detail::table_schema& s) -> table_handle {
  auto t = std::make_unique<table_state>();
  t->schema = &s;
  auto c = pool_.acquire();
  exec(*c, "BEGIN", &s);
  try {
    create_or_migrate(*c, *t);
    exec(*c, "COMMIT", &s);
  } catch (...) {
    exec_quietly(*c, "ROLLBACK");
    pool_.release(std::move(c));
    throw;
  }
  pool_.release(std::move(c));
  write_statements(*t);
  std::lock_guard lock(tables_mutex_);
  return tables_.emplace_back(std::move(t)).get();
}

STOWAGE_INLINE write_result postgres::write(table_handle h, const void* record, write_mode mode) {
  auto& t = *h;
  auto key = detail::key_of_record(*t.schema, record);
  detail::pg::params p;
  std::string scratch;
  encode(p, t, record, scratch);
  auto k = mode == write_mode::upsert   ? table_state::put
           : mode == write_mode::insert ? table_state::insert
                                        : table_state::update;
  auto c = acquire();
  detail::pg::result res;
  const char* const* values = p.values();
  auto plain = [&](int kind) {
    ensure_prepared(*c, t, kind);
    res.reset(PQexecPrepared(c->conn, t.names[kind].c_str(), p.size(), values, p.lengths(), p.formats(), 1));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) fail(*c, res.get(), "cannot write the record", t.schema, key);
  };
  // A refused statement would abort the whole transaction, so inside one a write the server may
  // refuse runs in a savepoint (in the same round trip) and the transaction goes on as on every
  // backend. The savepoint costs the server two more statements and a subtransaction, so writes
  // that cannot be refused run without: what the server could refuse is checked before sending
  // (text, times), or known from the values' sizes (may_be_refused); a unique index is the
  // rest. On a unique table an insert first runs as ON CONFLICT DO NOTHING on every unique
  // index, and an update first runs only where the unique columns keep their values: neither
  // can be refused. When that writes nothing, the plain statement runs guarded, for its answer
  // (the key exists or is missing, or the index refuses the record with the server's message).
  const bool refusable = c.in_transaction() && may_be_refused(t, p.lengths());
  if (!c.in_transaction() || (!t.guard_writes && !refusable)) {
    plain(k);
  } else if (k == table_state::put || refusable) {
    ensure_prepared(*c, t, k);
    res = guarded(*c, t.names[k], p.size(), values, p.lengths(), p.formats(), t.schema, key);
  } else {
    plain(k == table_state::insert ? table_state::insert_any : table_state::update_same);
    if (std::string_view(PQcmdTuples(res.get())) == "0") {
      ensure_prepared(*c, t, k);
      res = guarded(*c, t.names[k], p.size(), values, p.lengths(), p.formats(), t.schema, key);
    }
  }
  if (mode != write_mode::upsert && std::string_view(PQcmdTuples(res.get())) == "0")
    return mode == write_mode::insert ? write_result::key_exists : write_result::key_missing;
  return write_result::done;
}

STOWAGE_INLINE bool postgres::get(table_handle h, const detail::cell& key, void* out) {
  auto& t = *h;
  auto ref = detail::key_of_cell(key);
  detail::pg::params p;
  add_key(p, t, key);
  auto res = run(t, table_state::get, p, PGRES_TUPLES_OK, "cannot read the record", ref);
  if (PQntuples(res.get()) == 0) return false;
  decode_into(out, res.get(), 0, t, ref, true);
  return true;
}

STOWAGE_INLINE void postgres::get_many(table_handle h, std::span<const detail::cell> keys, detail::record_slots out) {
  auto& t = *h;
  auto c = acquire();
  ensure_prepared(*c, t, table_state::get);
  const char* name = t.names[table_state::get].c_str();
  pipeline pl(*this, *c);
  detail::pg::params p;
  std::size_t sent = 0;
  for (const auto& key : keys) {
    p.clear();
    add_key(p, t, key);
    const char* const* values = p.values();
    if (!PQsendQueryPrepared(c->conn, name, 1, values, p.lengths(), p.formats(), 1)) pl.lost("cannot send a lookup");
    if (++sent % 128 == 0) pl.pump();
  }
  pl.sync();
  for (std::size_t i = 0; i < sent; ++i) {
    auto res = pl.next();
    auto st = PQresultStatus(res.get());
    if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE)
      pl.fail(res.get(), "cannot read a record of a batch", t.schema);
    if (PQntuples(res.get()) != 0)
      decode_into(out.slot(out.context, i), res.get(), 0, t, detail::key_of_cell(keys[i]), true);
  }
  pl.finish();
}

STOWAGE_INLINE void postgres::put_many(table_handle h, std::span<const void* const> records) {
  auto& t = *h;
  auto c = acquire();
  if (records.size() < copy_threshold)
    pipelined_upsert(t, c, records);
  else
    copied_upsert(t, c, records);
}

STOWAGE_INLINE bool postgres::erase(table_handle h, const detail::cell& key) {
  auto& t = *h;
  auto ref = detail::key_of_cell(key);
  detail::pg::params p;
  add_key(p, t, key);
  auto res = run(t, table_state::erase, p, PGRES_COMMAND_OK, "cannot delete the record", ref);
  return std::string_view(PQcmdTuples(res.get())) != "0";
}

STOWAGE_INLINE postgres::cursor::~cursor() {
  if (done_ || whole_) return;
  if (name_.empty()) {
    // stop the rest of the rows coming, so the connection can go back to the pool; no need
    // when they are all here already (a first() or a small result)
    if (PQconsumeInput(c_->conn) && PQisBusy(c_->conn)) {
      if (PGcancel* cancel = PQgetCancel(c_->conn)) {
        char err[256];
        PQcancel(cancel, err, sizeof err);
        PQfreeCancel(cancel);
      }
    }
    detail::pg::drain(c_->conn);
  } else if (owner_->session_id() == session_) {
    owner_->exec_quietly(*c_, ("CLOSE " + name_).c_str());
  }
}

STOWAGE_INLINE bool postgres::cursor::next(void* out) {
  if (done_) return false;
  if (whole_) {
    if (row_ == PQntuples(batch_.get())) {
      done_ = true;
      return false;
    }
  } else if (name_.empty()) {
    batch_.reset(PQgetResult(c_->conn));
    auto st = PQresultStatus(batch_.get());
    if (st == PGRES_SINGLE_TUPLE) {
      // one statement, one row description: its types are checked with the first row
      if (columns_.empty())
        owner_->decode_into(out, batch_.get(), 0, *table_, {}, !checked_);
      else
        owner_->decode_projected(static_cast<void* const*>(out), batch_.get(), 0, *table_, columns_, !checked_);
      checked_ = true;
      return true;
    }
    done_ = true;
    auto last = std::move(batch_);
    detail::pg::drain(c_->conn);
    if (st != PGRES_TUPLES_OK) owner_->fail(*c_, last.get(), "cannot read the query's next record", schema_, {});
    return false;
  }
  if (!batch_ || row_ == PQntuples(batch_.get())) {
    // the connection is the transaction's: once that has ended, it may be another thread's
    if (owner_->session_id() != session_) {
      done_ = true;
      throw std::logic_error("stowage: a query begun in a transaction was read after the transaction ended");
    }
    if (batch_ && PQntuples(batch_.get()) < fetch_size) {
      done_ = true;
      owner_->exec_quietly(*c_, ("CLOSE " + name_).c_str());
      return false;
    }
    std::string fetch = "FETCH FORWARD " + std::to_string(fetch_size) + " FROM " + name_;
    batch_.reset(PQexecParams(c_->conn, fetch.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1));
    row_ = 0;
    if (PQresultStatus(batch_.get()) != PGRES_TUPLES_OK) {
      done_ = true;
      owner_->fail(*c_, batch_.get(), "cannot read the query's next records", schema_, {});
    }
    if (PQntuples(batch_.get()) == 0) {
      done_ = true;
      owner_->exec_quietly(*c_, ("CLOSE " + name_).c_str());
      return false;
    }
  }
  if (columns_.empty())
    owner_->decode_into(out, batch_.get(), row_, *table_, {}, row_ == 0);
  else
    owner_->decode_projected(static_cast<void* const*>(out), batch_.get(), row_, *table_, columns_, row_ == 0);
  ++row_;
  return true;
}

STOWAGE_INLINE auto postgres::select(table_handle h, const detail::query_spec& q) -> cursor {
  auto& t = *h;
  detail::pg::builder b(*t.schema);
  b.raw("SELECT ");
  if (q.columns.empty()) b.column_list();
  for (std::size_t i = 0; i < q.columns.size(); ++i) {
    if (i) b.raw(", ");
    b.column(q.columns[i]);
  }
  b.raw(" FROM ").ident(t.schema->table).clauses(q);
  detail::pg::params p;
  for (std::size_t i = 0; i < b.params.size(); ++i) add_param(p, b, i, t.schema);
  auto c = acquire();
  const char* const* values = p.values();
  if (c.in_transaction() && q.limit && *q.limit <= static_cast<std::uint64_t>(cursor::fetch_size)) {
    // a few rows at most: read whole, by the prepared statement, in one round trip
    const std::string& stmt = prepared_query(*c, b, t.schema);
    detail::pg::result r(PQexecPrepared(c->conn, stmt.c_str(), p.size(), values, p.lengths(), p.formats(), 1));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(*c, r.get(), "cannot run the query", t.schema, {});
    return cursor(this, &t, std::move(c), std::move(r), q.columns);
  }
  if (c.in_transaction()) {
    std::string cursor_name = "stowage_cursor_" + std::to_string(++c->cursors);
    std::string declare = "DECLARE " + cursor_name + " BINARY NO SCROLL CURSOR FOR " + b.text;
    std::vector<Oid> types;
    for (auto k : b.kinds) types.push_back(detail::pg::param_type(k));
    detail::pg::result r(
        PQexecParams(c->conn, declare.c_str(), p.size(), types.data(), values, p.lengths(), p.formats(), 1));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) fail(*c, r.get(), "cannot run the query", t.schema, {});
    auto session = session_id();
    return cursor(this, &t, std::move(c), std::move(cursor_name), session, q.columns);
  }
  const std::string& stmt = prepared_query(*c, b, t.schema);
  if (!PQsendQueryPrepared(c->conn, stmt.c_str(), p.size(), values, p.lengths(), p.formats(), 1) ||
      !PQsetSingleRowMode(c->conn))
    fail(*c, nullptr, "cannot run the query", t.schema, {});
  return cursor(this, &t, std::move(c), {}, 0, q.columns);
}

STOWAGE_INLINE std::uint64_t postgres::count(table_handle h, const detail::query_spec& q) {
  auto& t = *h;
  detail::pg::builder b(*t.schema);
  if (q.limit || q.offset)
    b.raw("SELECT COUNT(*) FROM (SELECT 1 FROM ").ident(t.schema->table).clauses(q, false).raw(") AS selected");
  else
    b.raw("SELECT COUNT(*) FROM ").ident(t.schema->table).clauses(q, false);  // an aggregate takes no ORDER BY
  detail::pg::params p;
  for (std::size_t i = 0; i < b.params.size(); ++i) add_param(p, b, i, t.schema);
  auto c = acquire();
  const std::string& stmt = prepared_query(*c, b, t.schema);
  const char* const* values = p.values();
  detail::pg::result r(PQexecPrepared(c->conn, stmt.c_str(), p.size(), values, p.lengths(), p.formats(), 1));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(*c, r.get(), "cannot count records", t.schema, {});
  return detail::pg::read_be(PQgetvalue(r.get(), 0, 0), 8);
}

STOWAGE_INLINE std::uint64_t postgres::erase_where(table_handle h, const detail::query_spec& q) {
  auto& t = *h;
  detail::pg::builder b(*t.schema);
  b.raw("DELETE FROM ").ident(t.schema->table);
  if (q.filter) b.raw(" WHERE ").condition(*q.filter);
  return change_rows(t, b, false, "cannot delete the records");
}

STOWAGE_INLINE std::uint64_t postgres::update_where(table_handle h, const detail::query_spec& q,
                                                    std::span<const detail::field_change> changes) {
  auto& t = *h;
  const auto& s = *t.schema;
  detail::pg::builder b(s);
  b.raw("UPDATE ").ident(s.table).raw(" SET ");
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (i) b.raw(", ");
    b.column(changes[i].field).raw(" = ").param(changes[i].to, s.columns[changes[i].field].kind);
  }
  if (q.filter) b.raw(" WHERE ").condition(*q.filter);
  // guarded when a unique index or an index entry's size could refuse the change (see
  // may_be_refused): a changed column of a unique index, or of another index unless its entries
  // keep their sizes (a number, time or flag never NULL: a NULL's bitmap takes 8 bytes) or the
  // index is on the column alone and the value is small (other columns add to an entry)
  bool guard = t.narrowed;
  for (const auto& ch : changes) {
    const detail::cell v = detail::cell_of(ch.to);
    const column_kind k = t.stored[ch.field];
    const bool same_size =
        k != column_kind::text && k != column_kind::blob && k != column_kind::json && !s.columns[ch.field].nullable;
    guard = guard || t.in_unique[ch.field];
    for (const auto& ix : s.indexes)
      if (std::find(ix.columns.begin(), ix.columns.end(), ch.field) != ix.columns.end())
        guard = guard || ix.json || (!same_size && (ix.columns.size() > 1 || v.n > index_budget));
  }
  return change_rows(t, b, guard, "cannot update the records");
}

STOWAGE_INLINE std::vector<detail::group_count> postgres::count_groups(table_handle h, const detail::query_spec& q,
                                                                       std::size_t field) {
  auto& t = *h;
  detail::pg::builder b(*t.schema);
  b.raw("SELECT ").column(field).raw(", COUNT(*) FROM ").ident(t.schema->table);
  if (q.filter) b.raw(" WHERE ").condition(*q.filter);
  b.raw(" GROUP BY ").column(field).raw(" ORDER BY ").column(field).raw(detail::pg::dialect::asc);
  detail::pg::params p;
  for (std::size_t i = 0; i < b.params.size(); ++i) add_param(p, b, i, t.schema);
  auto c = acquire();
  const std::string& stmt = prepared_query(*c, b, t.schema);
  const char* const* values = p.values();
  detail::pg::result r(PQexecPrepared(c->conn, stmt.c_str(), p.size(), values, p.lengths(), p.formats(), 1));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(*c, r.get(), "cannot count the records by value", t.schema, {});
  const int rows = PQntuples(r.get());
  std::vector<detail::group_count> out;
  out.reserve(static_cast<std::size_t>(rows));
  for (int row = 0; row < rows; ++row) {
    value v = detail::with_field_context(*t.schema, field, {}, [&] {
      return detail::to_value(detail::pg::result_cell(r.get(), row, 0, t.stored[field]));
    });
    out.push_back({std::move(v), detail::pg::read_be(PQgetvalue(r.get(), row, 1), 8)});
  }
  return out;
}

STOWAGE_INLINE std::uint64_t postgres::change_rows(const table_state& t, const detail::pg::builder& b, bool guard,
                                                   std::string_view what) {
  detail::pg::params p;
  for (std::size_t i = 0; i < b.params.size(); ++i) add_param(p, b, i, t.schema);
  auto c = acquire();
  const std::string& stmt = prepared_query(*c, b, t.schema);
  const char* const* values = p.values();
  detail::pg::result r;
  if (guard && c.in_transaction()) {
    r = guarded(*c, stmt, p.size(), values, p.lengths(), p.formats(), t.schema, {}, what);
  } else {
    r.reset(PQexecPrepared(c->conn, stmt.c_str(), p.size(), values, p.lengths(), p.formats(), 1));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) fail(*c, r.get(), what, t.schema, {});
  }
  std::uint64_t n = 0;
  std::string_view tuples = PQcmdTuples(r.get());
  std::from_chars(tuples.data(), tuples.data() + tuples.size(), n);
  return n;
}

STOWAGE_INLINE bool postgres::may_be_refused(const table_state& t, const int* lengths) {
  if (t.narrowed) return true;
  // An index entry holds at most 2704 bytes (8 kB pages) after compression, which only makes it
  // smaller. Uncompressed it is an 8-byte header, a null bitmap and each column's value with a
  // header of at most 4 bytes and alignment of at most 7: under 2400 bytes for the 32 columns an
  // index may have, when its values' parameters take at most index_budget bytes.
  std::size_t total = 0;
  for (auto [field, factor] : t.indexed)
    if (lengths[field] > 0) total += static_cast<std::size_t>(lengths[field]) * factor;
  return total > index_budget;
}

STOWAGE_INLINE void postgres::clear(table_handle h) {
  detail::pg::params none;
  run(*h, table_state::clear, none, PGRES_COMMAND_OK, "cannot clear the table", {});
}

STOWAGE_INLINE void postgres::begin(unsigned depth) { begin(depth, pool_.config().level); }

STOWAGE_INLINE void postgres::begin(unsigned depth, isolation level) {
  if (depth == 0) {
    auto c = pool_.acquire();
    const char* sql = level == isolation::serializable      ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                      : level == isolation::repeatable_read ? "BEGIN ISOLATION LEVEL REPEATABLE READ"
                                                            : "BEGIN ISOLATION LEVEL READ COMMITTED";
    detail::pg::result r(PQexec(c->conn, sql));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      auto e = error_of(*c, r.get(), "cannot begin a transaction", nullptr, {});
      pool_.release(std::move(c));
      e.raise();
    }
    std::lock_guard lock(sessions_mutex_);
    sessions_[std::this_thread::get_id()] = session{std::move(c), ++session_counter_};
  } else {
    auto c = acquire();
    exec(*c, ("SAVEPOINT stowage_" + std::to_string(depth)).c_str());
  }
}

STOWAGE_INLINE void postgres::commit(unsigned depth) {
  if (depth == 0) {
    auto s = end_session();
    if (!s.conn) return;
    detail::pg::result r(PQexec(s.conn->conn, "COMMIT"));
    auto st = PQresultStatus(r.get());
    if (st == PGRES_COMMAND_OK && std::string_view(PQcmdStatus(r.get())) == "ROLLBACK") {
      // a statement of the transaction failed earlier, and the server rolled it all back
      pool_.release(std::move(s.conn));
      throw conflict_error("the transaction was rolled back, as a statement in it failed earlier");
    }
    if (st != PGRES_COMMAND_OK) {
      auto e = error_of(*s.conn, r.get(), "cannot commit the transaction", nullptr, {});
      if (PQtransactionStatus(s.conn->conn) != PQTRANS_IDLE) exec_quietly(*s.conn, "ROLLBACK");
      pool_.release(std::move(s.conn));
      e.raise();
    }
    pool_.release(std::move(s.conn));
  } else {
    auto c = acquire();
    exec(*c, ("RELEASE SAVEPOINT stowage_" + std::to_string(depth)).c_str());
  }
}

STOWAGE_INLINE void postgres::rollback(unsigned depth) {
  if (depth == 0) {
    auto s = end_session();
    if (!s.conn) return;  // the commit failed, and the server rolled back already
    exec_quietly(*s.conn, "ROLLBACK");
    pool_.release(std::move(s.conn));
  } else {
    auto c = acquire();
    auto name = "stowage_" + std::to_string(depth);
    exec(*c, ("ROLLBACK TO SAVEPOINT " + name + "; RELEASE SAVEPOINT " + name).c_str());
  }
}

STOWAGE_INLINE auto postgres::connection() -> lease { return acquire(); }

STOWAGE_INLINE void postgres::pending_error::raise() {
  if (retryable) throw retryable_conflict(what, std::move(ctx));
  throw_error(kind, what, std::move(ctx));
}

STOWAGE_INLINE postgres::pipeline::pipeline(postgres& owner, detail::pg::connection& c) : owner_(owner), c_(c) {
  if (!PQenterPipelineMode(c.conn) || PQsetnonblocking(c.conn, 1) != 0) lost("cannot enter pipeline mode");
}

STOWAGE_INLINE postgres::pipeline::~pipeline() {
  if (!finished_) {
    try {
      drain();
    } catch (...) {
      c_.broken = true;
    }
  }
}

STOWAGE_INLINE void postgres::pipeline::send(const char* sql) {
  if (!PQsendQueryParams(c_.conn, sql, 0, nullptr, nullptr, nullptr, nullptr, 1)) lost("cannot send a command");
}

STOWAGE_INLINE void postgres::pipeline::pump() {
  for (;;) {
    int r = PQflush(c_.conn);
    if (r == 0) return;
    if (r < 0) lost("cannot send to the server");
    pollfd p{PQsocket(c_.conn), POLLIN | POLLOUT, 0};
    ::poll(&p, 1, -1);
    if ((p.revents & POLLIN) && !PQconsumeInput(c_.conn)) lost("cannot read from the server");
  }
}

STOWAGE_INLINE void postgres::pipeline::sync() {
  if (!PQpipelineSync(c_.conn)) lost("cannot send a sync");
  synced_ = true;
  pump();
}

STOWAGE_INLINE detail::pg::result postgres::pipeline::next() {
  detail::pg::result r(PQgetResult(c_.conn));
  if (!r) lost("the server ended the batch early");
  // each command's results end with a null. libpq (15) clears single-row mode only when a
  // query is sent outside a pipeline, so after a query loop in single-row mode the first
  // command of a pipeline on the same connection comes row by row: its one row, then an empty
  // PGRES_TUPLES_OK. Take the row and read on to the null.
  for (detail::pg::result rest(PQgetResult(c_.conn)); rest; rest.reset(PQgetResult(c_.conn))) {
  }
  return r;
}

STOWAGE_INLINE void postgres::pipeline::drain() {
  finished_ = true;
  if (!synced_) {
    PQpipelineSync(c_.conn);
    synced_ = true;
  }
  pump();
  for (int nulls = 0; nulls < 2;) {
    detail::pg::result r(PQgetResult(c_.conn));
    if (!r) {
      if (PQstatus(c_.conn) != CONNECTION_OK) break;
      ++nulls;
      continue;
    }
    nulls = 0;
    if (PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC) break;
  }
  leave();
}

STOWAGE_INLINE void postgres::pipeline::finish() {
  detail::pg::result r(PQgetResult(c_.conn));
  finished_ = true;
  if (PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC) {
    c_.broken = true;
    lost("the batch did not end as expected");
  }
  leave();
}

STOWAGE_INLINE void postgres::pipeline::fail(const PGresult* r, std::string_view what, const detail::table_schema* s) {
  auto e = owner_.error_of(c_, r, what, s, {});
  drain();
  e.raise();
}

STOWAGE_INLINE void postgres::pipeline::lost(std::string_view what) {
  finished_ = true;
  c_.broken = true;
  throw unavailable_error(what, error_context{{}, {}, {}, detail::pg::trimmed(PQerrorMessage(c_.conn))});
}

STOWAGE_INLINE void postgres::pipeline::leave() {
  // a connection that stays in pipeline mode cannot serve the next user
  if (!PQexitPipelineMode(c_.conn) || PQsetnonblocking(c_.conn, 0) != 0) c_.broken = true;
}

STOWAGE_INLINE auto postgres::acquire() -> lease {
  {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(std::this_thread::get_id());
    if (it != sessions_.end()) return lease(it->second.conn.get());
  }
  return lease(&pool_, pool_.acquire());
}

STOWAGE_INLINE auto postgres::end_session() -> session {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(std::this_thread::get_id());
  if (it == sessions_.end()) return {};
  session s = std::move(it->second);
  sessions_.erase(it);
  return s;
}

STOWAGE_INLINE std::uint64_t postgres::session_id() {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(std::this_thread::get_id());
  return it == sessions_.end() ? 0 : it->second.id;
}

STOWAGE_INLINE auto postgres::error_of(detail::pg::connection& c, const PGresult* r, std::string_view what,
                                       const detail::table_schema* s, const detail::key_ref& key) -> pending_error {
  std::string state = r && PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "";
  std::string msg = detail::pg::trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(c.conn));
  if (msg.empty()) msg = detail::pg::trimmed(PQerrorMessage(c.conn));
  if (const char* detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : nullptr) {
    if (msg.find(detail) == std::string::npos) msg += std::string(" (") + detail + ")";
  }
  error_kind kind = error_kind::internal;
  bool retryable = false;
  std::string summary(what);
  auto cls = state.substr(0, 2);
  if (state.empty() ? detail::pg::connection_lost(c) : PQstatus(c.conn) != CONNECTION_OK) {
    c.broken = true;
    kind = error_kind::unavailable;
  } else if (state.empty()) {
    kind = error_kind::bad_input;  // libpq refused it before sending (too many parameters, ...)
  } else if (state == "25P02") {
    kind = error_kind::conflict;
    msg = "the transaction was aborted by a statement that failed earlier in it; roll it back (" + msg + ")";
  } else if (state == "40001" || state == "40P01") {
    kind = error_kind::conflict;
    retryable = true;
  } else if (cls == "23") {
    kind = error_kind::constraint;
  } else if (cls == "22") {
    kind = error_kind::bad_input;
  } else if (cls == "54") {
    // program_limit_exceeded and its kin: the value is too large for the server, not a bug
    kind = error_kind::bad_input;
    if (msg.find("index row") != std::string::npos)
      summary +=
          ": a key or indexed value is too large for a PostgreSQL btree index (at most 2704 bytes after "
          "compression, about a third of a page); keep keys and indexed text short";
    else
      summary += ": a value exceeds a PostgreSQL limit";
  } else if (cls == "08" || cls == "53" || cls == "57" || state == "42501" || state == "25006") {
    kind = error_kind::unavailable;
  } else if (cls == "XX" && (state == "XX001" || state == "XX002")) {
    kind = error_kind::corrupt;
  } else if (state == "42P01" || state == "42703") {
    kind = error_kind::schema;  // a table or column is not there (dropped by someone else?)
  }
  error_context ctx = s ? detail::context_of(*s, key, msg) : error_context{{}, {}, key.text(), msg};
  return pending_error{kind, retryable, std::move(summary), std::move(ctx)};
}

STOWAGE_INLINE void postgres::fail(detail::pg::connection& c, const PGresult* r, std::string_view what,
                                   const detail::table_schema* s, const detail::key_ref& key) {
  error_of(c, r, what, s, key).raise();
}

STOWAGE_INLINE void postgres::exec(detail::pg::connection& c, const char* sql, const detail::table_schema* s) {
  detail::pg::result r(PQexec(c.conn, sql));
  auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    fail(c, r.get(), "cannot run " + detail::pg::clipped(sql), s, {});
}

STOWAGE_INLINE void postgres::exec_quietly(detail::pg::connection& c, const char* sql) noexcept {
  detail::pg::result r(PQexec(c.conn, sql));
  if (PQstatus(c.conn) != CONNECTION_OK) c.broken = true;
}

STOWAGE_INLINE detail::pg::result postgres::guarded(detail::pg::connection& c, const std::string& stmt, int n,
                                                    const char* const* values, const int* lengths, const int* formats,
                                                    const detail::table_schema* s, const detail::key_ref& key,
                                                    std::string_view what) {
  pipeline pl(*this, c);
  pl.send("SAVEPOINT stowage_write");
  if (!PQsendQueryPrepared(c.conn, stmt.c_str(), n, values, lengths, formats, 1)) pl.lost("cannot send a statement");
  pl.send("RELEASE SAVEPOINT stowage_write");
  pl.sync();
  auto saved = pl.next();
  if (PQresultStatus(saved.get()) != PGRES_COMMAND_OK) pl.fail(saved.get(), "cannot set a savepoint", s);
  auto r = pl.next();
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    auto e = error_of(c, r.get(), what, s, key);
    pl.drain();
    exec_quietly(c, "ROLLBACK TO SAVEPOINT stowage_write; RELEASE SAVEPOINT stowage_write");
    e.raise();
  }
  auto released = pl.next();
  if (PQresultStatus(released.get()) != PGRES_COMMAND_OK) pl.fail(released.get(), "cannot release a savepoint", s);
  pl.finish();
  return r;
}

STOWAGE_INLINE void postgres::encode(detail::pg::params& p, const table_state& t, const void* record,
                                     std::string& scratch) {
  const auto& s = *t.schema;
  detail::cell c;
  std::size_t field = 0;
  try {
    for (; field < s.columns.size(); ++field) {
      detail::encode_field(s, field, record, c, scratch);
      p.add(s.columns[field].kind, c);  // an unstable cell's bytes are copied
    }
  } catch (...) {
    detail::field_failed(s, field, detail::key_of_record(s, record));
  }
}

STOWAGE_INLINE void postgres::add_key(detail::pg::params& p, const table_state& t, const detail::cell& key) {
  const auto& s = *t.schema;
  try {
    p.add(s.columns[s.key].kind, key);
  } catch (...) {
    detail::field_failed(s, s.key, detail::key_of_cell(key));
  }
}

STOWAGE_INLINE void postgres::add_param(detail::pg::params& p, const detail::pg::builder& b, std::size_t i,
                                        const detail::table_schema* s) {
  try {
    p.add(b.kinds[i], b.params[i]);
  } catch (const detail::codec_failure& f) {
    throw_error(f.kind, "a query parameter: " + f.message, detail::context_of(*s));
  }
}

STOWAGE_INLINE void postgres::decode_into(void* out, const PGresult* res, int row, const table_state& t,
                                          detail::key_ref key, bool check) {
  const auto& s = *t.schema;
  struct row_key {
    const PGresult* res;
    int row;
    int col;
    column_kind kind;
  } rk{res, row, static_cast<int>(s.key), t.stored[s.key]};
  if (!key.render)
    key = detail::key_ref{
        [](const void* p, const void*) {
          auto k = static_cast<const row_key*>(p);
          try {
            return detail::describe(detail::to_value(detail::pg::result_cell(k->res, k->row, k->col, k->kind)));
          } catch (...) {
            return std::string("(unprintable)");
          }
        },
        &rk};
  if (check) {
    if (int bad = detail::pg::mismatched_column(res, t.stored); bad >= 0)
      detail::with_field_context(s, static_cast<std::size_t>(bad), key, [&] {
        throw detail::codec_failure{error_kind::corrupt, "the result's column has the type " +
                                                             std::to_string(PQftype(res, bad)) + ", not the table's " +
                                                             std::string(detail::pg::column_type(t.stored[bad]))};
      });
  }
  // what detail::decode_field does, its codec called here: the field in hand is noted rather
  // than each wrapped in a try, so that the cells are made inline, and a failure is named as
  // it would have been
  const std::size_t n = s.columns.size();
  std::size_t field = 0;
  try {
    for (; field < n; ++field) {
      const detail::column_def& col = s.columns[field];
      col.codec->decode(static_cast<char*>(out) + col.offset,
                        detail::pg::result_cell(res, row, static_cast<int>(field), t.stored[field]));
    }
  } catch (...) {
    detail::field_failed(s, field, key);
  }
}

STOWAGE_INLINE void postgres::decode_projected(void* const* out, const PGresult* res, int row, const table_state& t,
                                               const std::vector<std::size_t>& columns, bool check) {
  const auto& s = *t.schema;
  if (check) {
    std::vector<column_kind> stored;
    for (std::size_t f : columns) stored.push_back(t.stored[f]);
    if (int bad = detail::pg::mismatched_column(res, stored); bad >= 0)
      detail::with_field_context(s, columns[static_cast<std::size_t>(bad)], {}, [&] {
        throw detail::codec_failure{error_kind::corrupt,
                                    "the result's column has the type " + std::to_string(PQftype(res, bad)) +
                                        ", not the table's " +
                                        std::string(detail::pg::column_type(stored[static_cast<std::size_t>(bad)]))};
      });
  }
  std::size_t i = 0;
  try {
    for (; i < columns.size(); ++i)
      s.columns[columns[i]].codec->decode(out[i],
                                          detail::pg::result_cell(res, row, static_cast<int>(i), t.stored[columns[i]]));
  } catch (...) {
    detail::field_failed(s, columns[i], {});
  }
}

STOWAGE_INLINE detail::pg::result postgres::run(const table_state& t, int k, detail::pg::params& p,
                                                ExecStatusType expected, std::string_view what,
                                                const detail::key_ref& key) {
  auto c = acquire();
  ensure_prepared(*c, t, k);
  const char* const* values = p.values();
  detail::pg::result res(PQexecPrepared(c->conn, t.names[k].c_str(), p.size(), values, p.lengths(), p.formats(), 1));
  if (PQresultStatus(res.get()) != expected) fail(*c, res.get(), what, t.schema, key);
  return res;
}

STOWAGE_INLINE void postgres::ensure_prepared(detail::pg::connection& c, const table_state& t, int k) {
  const std::string& name = t.names[k];
  if (c.prepared.count(name)) return;
  detail::pg::result r(
      PQprepare(c.conn, name.c_str(), t.sql[k].c_str(), static_cast<int>(t.types[k].size()), t.types[k].data()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    fail(c, r.get(), "cannot prepare " + detail::pg::clipped(t.sql[k]), t.schema, {});
  c.prepared.insert(name);
}

STOWAGE_INLINE const std::string& postgres::prepared_query(detail::pg::connection& c, const detail::pg::builder& b,
                                                           const detail::table_schema* s) {
  auto it = c.queries.find(b.text);
  if (it != c.queries.end()) return it->second;
  if (c.queries.size() >= max_cached_queries) {
    exec(c, "DEALLOCATE ALL");  // forget them all; the table statements are prepared again
    c.queries.clear();
    c.prepared.clear();
  }
  std::string name = "stowage_q" + std::to_string(++query_counter_);
  std::vector<Oid> types;
  for (auto k : b.kinds) types.push_back(detail::pg::param_type(k));
  detail::pg::result r(PQprepare(c.conn, name.c_str(), b.text.c_str(), static_cast<int>(types.size()), types.data()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    fail(c, r.get(), "cannot prepare " + detail::pg::clipped(b.text), s, {});
  return c.queries.emplace(b.text, std::move(name)).first->second;
}

STOWAGE_INLINE std::vector<detail::stored_column> postgres::stored_columns(detail::pg::connection& c,
                                                                           const detail::table_schema& s) {
  std::string name;
  sql::quote_identifier(name, s.table, '"');
  const char* sql =
      "SELECT a.attname, t.typname, COALESCE(a.attnum = ANY(i.indkey), false) "
      "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "LEFT JOIN pg_catalog.pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
      "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
  const char* values[] = {name.c_str()};
  detail::pg::result r(PQexecParams(c.conn, sql, 1, nullptr, values, nullptr, nullptr, 0));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(c, r.get(), "cannot read the table's columns", &s, {});
  std::vector<detail::stored_column> out;
  for (int row = 0; row < PQntuples(r.get()); ++row) {
    std::string col = PQgetvalue(r.get(), row, 0);
    std::string type = PQgetvalue(r.get(), row, 1);
    auto kind = detail::pg::kind_of_type(type);
    if (!kind)
      throw schema_error("the stored column '" + col + "' has the type " + type + ", which stowage does not create",
                         detail::context_of(s));
    out.push_back({col, *kind, PQgetvalue(r.get(), row, 2)[0] == 't'});
  }
  return out;
}

STOWAGE_INLINE void postgres::create_or_migrate(detail::pg::connection& c, table_state& t) {
  const auto& s = *t.schema;
  using detail::pg::column_type;
  // one migration at a time per table, across processes
  {
    std::string lock_sql = "SELECT pg_advisory_xact_lock(hashtext($1))";
    std::string key = "stowage:" + std::string(s.table);
    const char* values[] = {key.c_str()};
    detail::pg::result r(PQexecParams(c.conn, lock_sql.c_str(), 1, nullptr, values, nullptr, nullptr, 0));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(c, r.get(), "cannot lock the table for migration", &s, {});
  }
  auto stored = stored_columns(c, s);
  std::vector<column_kind> kinds;
  for (const auto& col : s.columns) {
    auto it = std::find_if(stored.begin(), stored.end(), [&](auto& sc) { return sc.name == col.name; });
    kinds.push_back(it == stored.end() ? col.kind : it->kind);
  }
  detail::pg::builder b(s);
  if (stored.empty()) {
    b.raw("CREATE TABLE ").ident(s.table).raw(" (");
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
      if (i) b.raw(", ");
      b.column(i).raw(" ").raw(column_type(s.columns[i].kind));
      if (!s.columns[i].nullable) b.raw(" NOT NULL");
      if (i == s.key) b.raw(" PRIMARY KEY");
    }
    b.raw(")");
    exec(c, b.text.c_str(), &s);
  } else {
    auto plan = detail::plan_migration(s, stored);
    for (std::size_t i : plan.added) {
      // added as nullable and filled by a bound UPDATE: values go in as parameters only
      detail::pg::builder add(s);
      add.raw("ALTER TABLE ").ident(s.table).raw(" ADD COLUMN ").column(i).raw(" ").raw(column_type(s.columns[i].kind));
      exec(c, add.text.c_str(), &s);
      if (s.columns[i].default_value.index() != 0) {
        detail::pg::builder fill(s);
        fill.raw("UPDATE ").ident(s.table).raw(" SET ").column(i).raw(" = ").param(s.columns[i].default_value,
                                                                                   s.columns[i].kind);
        detail::pg::params p;
        add_param(p, fill, 0, &s);
        Oid type = detail::pg::param_type(s.columns[i].kind);
        const char* const* values = p.values();
        detail::pg::result r(PQexecParams(c.conn, fill.text.c_str(), 1, &type, values, p.lengths(), p.formats(), 1));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
          fail(c, r.get(), "cannot fill an added column with its default", &s, {});
      }
    }
  }
  for (const auto& ix : s.indexes) {
    detail::pg::builder ci(s);
    ci.raw(ix.unique ? "CREATE UNIQUE INDEX IF NOT EXISTS " : "CREATE INDEX IF NOT EXISTS ")
        .ident(ix.name)
        .raw(" ON ")
        .ident(s.table)
        .raw(" (");
    if (ix.json) ci.json_index_expression(ix);
    for (std::size_t i = 0; i < ix.columns.size() && !ix.json; ++i) {
      if (i) ci.raw(", ");
      ci.column(ix.columns[i]);
    }
    ci.raw(")");
    exec(c, ci.text.c_str(), &s);
  }
  t.stored = std::move(kinds);
  t.guard_writes = std::any_of(s.indexes.begin(), s.indexes.end(), [](auto& ix) { return ix.unique; });
  t.in_unique.assign(s.columns.size(), false);
  std::vector<std::size_t> factor(s.columns.size(), 0);
  factor[s.key] = 1;
  for (const auto& ix : s.indexes) {
    for (std::size_t i : ix.columns) {
      if (ix.unique) t.in_unique[i] = true;
      // a jsonb value takes up to about six times its JSON text (the 2 bytes "1," of an array
      // are a 4-byte entry and an 8-byte numeric): 8 leaves room
      factor[i] = std::max<std::size_t>(factor[i], ix.json ? 8 : 1);
    }
  }
  for (std::size_t i = 0; i < s.columns.size(); ++i)
    if (factor[i]) t.indexed.emplace_back(i, factor[i]);
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    // an integer or real column narrower than its field (an earlier record made it): the
    // server checks the range of what is sent (as int8 or float8)
    auto rank = [](column_kind k) {
      return k == column_kind::int16 || k == column_kind::real32 ? 0 : k == column_kind::int32 ? 1 : 2;
    };
    if (detail::kind_family(t.stored[i]) == detail::kind_family(s.columns[i].kind) &&
        detail::kind_family(t.stored[i]) < 10 && rank(t.stored[i]) < rank(s.columns[i].kind))
      t.narrowed = true;
  }
  std::string name;
  sql::quote_identifier(name, s.table, '"');
  const char* values[] = {name.c_str()};
  detail::pg::result r(PQexecParams(c.conn,
                                    "SELECT conname FROM pg_catalog.pg_constraint "
                                    "WHERE conrelid = to_regclass($1) AND contype = 'p'",
                                    1, nullptr, values, nullptr, nullptr, 0));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1)
    fail(c, r.get(), "cannot read the table's primary key", &s, {});
  t.primary_key = PQgetvalue(r.get(), 0, 0);
}

STOWAGE_INLINE void postgres::write_statements(table_state& t) {
  const auto& s = *t.schema;
  using B = detail::pg::builder;
  t.generation = ++generation_counter_;
  // appended, not "$" + std::to_string(...): g++ 12 at -O3 takes the insertion at the front of
  // the temporary for an overflow (a false -Wstringop-overflow), and users compile this header
  auto ph = [](std::size_t i) { return std::string("$").append(std::to_string(i + 1)); };
  std::vector<Oid> all;
  for (const auto& col : s.columns) all.push_back(detail::pg::param_type(col.kind));
  std::vector<Oid> key{detail::pg::param_type(s.columns[s.key].kind)};

  B insert(s);
  insert.raw("INSERT INTO ").ident(s.table).raw(" (").column_list().raw(") VALUES (");
  for (std::size_t i = 0; i < s.columns.size(); ++i) insert.raw(i ? ", " : "").raw(ph(i));
  insert.raw(")");
  B put = insert;
  put.raw(" ON CONFLICT (").column(s.key).raw(")");
  if (s.columns.size() == 1) {
    put.raw(" DO NOTHING");
  } else {
    put.raw(" DO UPDATE SET ");
    bool first = true;
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
      if (i == s.key) continue;
      put.raw(first ? "" : ", ").column(i).raw(" = EXCLUDED.").column(i);
      first = false;
    }
  }
  // a new key only: an existing one is reported by the count of rows written, not an error
  // (which would abort the enclosing transaction)
  B insert_any = insert;
  insert.raw(" ON CONFLICT (").column(s.key).raw(") DO NOTHING");
  // no row where any unique index (the key's too) has the values already: never refused by one
  insert_any.raw(" ON CONFLICT DO NOTHING");
  B update(s);
  update.raw("UPDATE ").ident(s.table).raw(" SET ");
  bool first = true;
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    if (i == s.key) continue;
    update.raw(first ? "" : ", ").column(i).raw(" = ").raw(ph(i));
    first = false;
  }
  if (first) update.column(s.key).raw(" = ").raw(ph(s.key));  // a key-only record
  update.raw(" WHERE ").column(s.key).raw(" = ").raw(ph(s.key));
  // the update no unique index can refuse: the columns of every unique index keep their values
  // (an index on a JSON path: its column keeps its value)
  B update_same = update;
  for (std::size_t i = 0; i < s.columns.size(); ++i)
    if (i != s.key && t.in_unique[i]) update_same.raw(" AND ").column(i).raw(" IS NOT DISTINCT FROM ").raw(ph(i));
  B get(s);
  get.raw("SELECT ").column_list().raw(" FROM ").ident(s.table).raw(" WHERE ").column(s.key).raw(" = $1");
  B erase(s);
  erase.raw("DELETE FROM ").ident(s.table).raw(" WHERE ").column(s.key).raw(" = $1");
  B clear(s);
  clear.raw("DELETE FROM ").ident(s.table);

  // put_many's staging table: a temporary table like the table, with the order of the batch
  t.stage = "stowage_stage_" + std::to_string(t.generation);
  B stage(s);
  stage.raw("CREATE TEMPORARY TABLE IF NOT EXISTS ").ident(t.stage).raw(" (LIKE ").ident(s.table);
  stage.raw(", stowage_seq bigint) ON COMMIT DELETE ROWS; TRUNCATE ").ident(t.stage);
  t.stage_sql = std::move(stage.text);
  B merge(s);
  merge.raw("INSERT INTO ").ident(s.table).raw(" (").column_list().raw(") SELECT DISTINCT ON (").column(s.key);
  merge.raw(") ").column_list().raw(" FROM ").ident(t.stage).raw(" ORDER BY ").column(s.key).raw(", stowage_seq DESC");
  merge.raw(put.text.substr(put.text.find(" ON CONFLICT")));
  t.merge_sql = std::move(merge.text);

  const char* kind_names[] = {"put", "insert", "update", "insert_any", "update_same", "get", "erase", "clear"};
  B* builders[] = {&put, &insert, &update, &insert_any, &update_same, &get, &erase, &clear};
  for (int k = 0; k < table_state::kinds; ++k) {
    t.names[k] = "stowage_" + std::to_string(t.generation) + "_" + kind_names[k];
    t.sql[k] = std::move(builders[k]->text);
    t.types[k] = k <= table_state::update_same ? all : k == table_state::clear ? std::vector<Oid>{} : key;
  }
}

STOWAGE_INLINE void postgres::pipelined_upsert(table_state& t, lease& c, std::span<const void* const> rows) {
  bool nested = c.in_transaction();
  ensure_prepared(*c, t, table_state::put);
  const char* name = t.names[table_state::put].c_str();
  pipeline pl(*this, *c);
  pl.send(nested ? "SAVEPOINT stowage_many" : "BEGIN");
  detail::pg::params p;
  std::string scratch;
  try {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      p.clear();
      encode(p, t, rows[i], scratch);
      const char* const* values = p.values();
      if (!PQsendQueryPrepared(c->conn, name, p.size(), values, p.lengths(), p.formats(), 1))
        pl.lost("cannot send a record");
      if (i % 128 == 127) pl.pump();
    }
  } catch (const stowage::error&) {
    // a record that cannot be encoded: nothing of the batch may stay. The undo runs after the
    // pipeline: a record already sent may have failed, and then the pipeline skips the rest.
    pl.sync();
    pl.drain();
    exec_quietly(*c, nested ? "ROLLBACK TO SAVEPOINT stowage_many; RELEASE SAVEPOINT stowage_many" : "ROLLBACK");
    throw;
  }
  pl.send(nested ? "RELEASE SAVEPOINT stowage_many" : "COMMIT");
  pl.sync();
  auto begun = pl.next();
  if (PQresultStatus(begun.get()) != PGRES_COMMAND_OK) pl.fail(begun.get(), "cannot begin a batch", t.schema);
  for (const void* r : rows) {
    auto res = pl.next();
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      // the rest of the pipeline is skipped; undo what ran
      auto key = detail::key_of_record(*t.schema, r);
      auto e = error_of(*c, res.get(), "cannot write a record of a batch", t.schema, key);
      pl.drain();
      exec_quietly(*c, nested ? "ROLLBACK TO SAVEPOINT stowage_many; RELEASE SAVEPOINT stowage_many" : "ROLLBACK");
      e.raise();
    }
  }
  auto done = pl.next();
  if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) {
    auto e = error_of(*c, done.get(), "cannot commit a batch", t.schema, {});
    pl.drain();
    if (nested) exec_quietly(*c, "ROLLBACK TO SAVEPOINT stowage_many; RELEASE SAVEPOINT stowage_many");
    e.raise();
  }
  pl.finish();
}

STOWAGE_INLINE void postgres::copied_upsert(table_state& t, lease& c, std::span<const void* const> rows) {
  bool nested = c.in_transaction();
  ensure_prepared(*c, t, table_state::get);
  try {
    bool existing = false;
    {
      pipeline pl(*this, *c);
      pl.send(nested ? "SAVEPOINT stowage_many" : "BEGIN");
      pl.send("SAVEPOINT stowage_copy");
      const char* name = t.names[table_state::get].c_str();
      detail::pg::params p;
      detail::cell key;
      std::string scratch;
      for (std::size_t i = 0; i < probes; ++i) {
        detail::encode_field(*t.schema, t.schema->key, rows[i * rows.size() / probes], key, scratch);
        p.clear();
        add_key(p, t, key);
        const char* const* values = p.values();
        if (!PQsendQueryPrepared(c->conn, name, 1, values, p.lengths(), p.formats(), 1))
          pl.lost("cannot send a lookup");
      }
      pl.sync();
      for (int i = 0; i < 2; ++i) {
        auto begun = pl.next();
        if (PQresultStatus(begun.get()) != PGRES_COMMAND_OK) pl.fail(begun.get(), "cannot begin a batch", t.schema);
      }
      for (std::size_t i = 0; i < probes; ++i) {
        auto res = pl.next();
        auto st = PQresultStatus(res.get());
        if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE)
          pl.fail(res.get(), "cannot look up a key of a batch", t.schema);
        existing = existing || PQntuples(res.get()) > 0;
      }
      pl.finish();
    }
    if (existing) {
      // create the staging table if need be, and empty it
      exec(*c, ("RELEASE SAVEPOINT stowage_copy; " + t.stage_sql).c_str(), t.schema);
    } else {
      auto failed = copy_rows(*c, t, rows, t.schema->table, false);
      if (!failed) {
        exec(*c,
             nested ? "RELEASE SAVEPOINT stowage_copy; RELEASE SAVEPOINT stowage_many"
                    : "RELEASE SAVEPOINT stowage_copy; COMMIT",
             t.schema);
        return;
      }
      if (!failed->existing_key) failed->error.raise();
      exec(*c, "ROLLBACK TO SAVEPOINT stowage_copy; RELEASE SAVEPOINT stowage_copy", t.schema);
      exec(*c, t.stage_sql.c_str(), t.schema);
    }
    if (auto again = copy_rows(*c, t, rows, t.stage, true)) again->error.raise();
    exec(*c, t.merge_sql.c_str(), t.schema);
    exec(*c, nested ? "RELEASE SAVEPOINT stowage_many" : "COMMIT", t.schema);
  } catch (...) {
    exec_quietly(*c, nested ? "ROLLBACK TO SAVEPOINT stowage_many; RELEASE SAVEPOINT stowage_many" : "ROLLBACK");
    throw;
  }
}

STOWAGE_INLINE auto postgres::copy_rows(detail::pg::connection& c, const table_state& t,
                                        std::span<const void* const> rows, std::string_view target, bool with_seq)
    -> std::optional<copy_failure> {
  const auto& s = *t.schema;
  detail::pg::builder b(s);
  b.raw("COPY ")
      .ident(target)
      .raw(" (")
      .column_list()
      .raw(with_seq ? ", stowage_seq" : "")
      .raw(") FROM STDIN (FORMAT binary)");
  detail::pg::result start(PQexec(c.conn, b.text.c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_IN)
    return copy_failure{error_of(c, start.get(), "cannot start a COPY", &s, {}), false};
  auto columns = static_cast<std::uint64_t>(s.columns.size() + (with_seq ? 1 : 0));
  // rows are sent in chunks of about copy_chunk bytes, the buffer made that large at once (a
  // small batch's a little over its numbers' size) rather than grown by doubling
  constexpr std::size_t copy_chunk = std::size_t{1} << 18;
  const std::size_t numbers = 2 + 12 * columns;  // a row's field count, lengths and 8-byte values
  detail::pg::byte_buffer buf;
  buf.reserve(std::min(copy_chunk, rows.size() * numbers) + 4096);
  buf.append("PGCOPY\n\377\r\n\0", 11);
  detail::pg::write_be(buf, 0, 4);  // flags
  detail::pg::write_be(buf, 0, 4);  // header extension length
  bool sent_ok = true;
  // the rows are written through w, whose pointers stay in registers (see byte_buffer::cursor)
  auto w = buf.open();
  const char* chunk_end = w.at + copy_chunk;
  auto flush = [&] {
    buf.close(w);
    if (sent_ok && PQputCopyData(c.conn, buf.data(), static_cast<int>(buf.size())) != 1) sent_ok = false;
    buf.clear();
    w = buf.open();
    chunk_end = w.at + copy_chunk;
  };
  const std::size_t n = s.columns.size();
  // The fields of the commonest types in their commonest columns are read straight from the
  // record: a codec is known by its address, and what it would write in a cell is written
  // here without the call and the cell. Any other field, or a value that the codec refuses (a
  // NaN), goes through its codec as usual.
  enum class direct : unsigned char { no, int64, text, real64, boolean, time };
  std::vector<direct> how(n, direct::no);
  for (std::size_t f = 0; f < n; ++f) {
    const detail::field_codec* codec = s.columns[f].codec;
    column_kind k = t.stored[f];
    if (codec == &detail::codec_of<std::int64_t> && k == column_kind::int64)
      how[f] = direct::int64;
    else if (codec == &detail::codec_of<std::string> && k == column_kind::text)
      how[f] = direct::text;
    else if (codec == &detail::codec_of<double> && k == column_kind::real64)
      how[f] = direct::real64;
    else if (codec == &detail::codec_of<bool> && k == column_kind::boolean)
      how[f] = direct::boolean;
    else if (codec == &detail::codec_of<timestamp> && k == column_kind::timestamp)
      how[f] = direct::time;
  }
  detail::cell cell;
  std::string scratch;
  try {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const char* r = static_cast<const char*>(rows[i]);
      detail::pg::put_be<2>(buf.take(w, 2), columns);
      // what detail::encode_field does, its codec called here: the field in hand is noted
      // rather than each wrapped in a try, and a failure is named as it would have been
      std::size_t field = 0;
      try {
        for (; field < n; ++field) {
          const detail::column_def& col = s.columns[field];
          const void* at = r + col.offset;
          switch (how[field]) {
            case direct::int64: {
              char* p = buf.take(w, 12);
              detail::pg::put_be<4>(p, 8);
              detail::pg::put_be<8>(p + 4, static_cast<std::uint64_t>(*static_cast<const std::int64_t*>(at)));
              continue;
            }
            case direct::text: {
              const auto& text = *static_cast<const std::string*>(at);
              detail::pg::check_text(column_kind::text, text);
              char* p = buf.take(w, 4 + text.size());
              detail::pg::put_be<4>(p, text.size());
              if (!text.empty()) std::memcpy(p + 4, text.data(), text.size());
              continue;
            }
            case direct::real64: {
              double v = *static_cast<const double*>(at);
              if (v != v) break;  // NaN: the codec refuses it
              char* p = buf.take(w, 12);
              detail::pg::put_be<4>(p, 8);
              detail::pg::put_be<8>(p + 4, std::bit_cast<std::uint64_t>(v));
              continue;
            }
            case direct::boolean: {
              char* p = buf.take(w, 5);
              detail::pg::put_be<4>(p, 1);
              p[4] = static_cast<char>(*static_cast<const bool*>(at) ? 1 : 0);
              continue;
            }
            case direct::time: {
              char* p = buf.take(w, 12);
              detail::pg::put_be<4>(p, 8);
              detail::pg::put_int(p + 4, column_kind::timestamp,
                                  static_cast<const timestamp*>(at)->time_since_epoch().count());
              continue;
            }
            case direct::no: break;
          }
          col.codec->encode(at, cell, scratch);
          detail::pg::copy_field(buf, w, t.stored[field], cell);
        }
      } catch (...) {
        detail::field_failed(s, field, detail::key_of_record(s, r));
      }
      if (with_seq) {
        char* p = buf.take(w, 12);
        detail::pg::put_be<4>(p, 8);
        detail::pg::put_be<8>(p + 4, i);
      }
      if (w.at >= chunk_end) flush();
    }
  } catch (...) {
    PQputCopyEnd(c.conn, "stowage: a record of the batch cannot be stored");
    detail::pg::drain(c.conn);
    throw;
  }
  detail::pg::put_be<2>(buf.take(w, 2), 0xFFFF);  // the trailer: a tuple of -1 fields
  flush();
  if (!sent_ok || PQputCopyEnd(c.conn, nullptr) != 1)
    return copy_failure{error_of(c, nullptr, "cannot send a COPY", &s, {}), false};
  detail::pg::result done(PQgetResult(c.conn));
  detail::pg::drain(c.conn);
  if (PQresultStatus(done.get()) == PGRES_COMMAND_OK) return std::nullopt;
  // name the record: the server says which line (row) of the COPY it refused
  detail::key_ref key;
  if (const char* ctx = PQresultErrorField(done.get(), PG_DIAG_CONTEXT)) {
    if (const char* line = std::strstr(ctx, ", line ")) {
      std::size_t at = std::strtoull(line + 7, nullptr, 10);
      if (at >= 1 && at <= rows.size()) key = detail::key_of_record(s, rows[at - 1]);
    }
  }
  const char* state = PQresultErrorField(done.get(), PG_DIAG_SQLSTATE);
  const char* constraint = PQresultErrorField(done.get(), PG_DIAG_CONSTRAINT_NAME);
  bool existing = state && std::string_view(state) == "23505" && constraint && t.primary_key == constraint;
  return copy_failure{error_of(c, done.get(), "cannot write a record of a batch", &s, key), existing};
}

}  // namespace stowage
