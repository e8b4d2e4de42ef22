// The PostgreSQL backend, on libpq.
//
// URLs: postgresql://user:password@host:port/dbname?param=value&... (also postgres://). A unix
// socket directory is given as the host parameter: postgresql://user@/db?host=/run/postgresql.
// libpq's own parameters (sslmode, connect_timeout, application_name, ...) pass through; stowage
// reads four of its own:
//   pool_size=N          connections at most (default 8)
//   pool_timeout=MS      how long an operation waits for a free connection (default 10000)
//   isolation=LEVEL      read_committed, repeatable_read or serializable (the default): the
//                        level of db.transaction() when none is asked for
//   schema=NAME          the schema the tables live in, created when missing (default: the
//                        server's search_path)
// connect_timeout defaults to 10 seconds.
//
// Thread safety: database<postgres> is concurrent. Each operation borrows a connection from the
// pool and returns it; a transaction keeps one connection for the thread that began it until it
// ends, and that thread's operations run on it. When the server goes away the operation in
// flight fails with unavailable_error; the pool then drops its connections and the next
// operation connects again.
//
// Types: BOOLEAN, SMALLINT/INTEGER/BIGINT, REAL/DOUBLE PRECISION, TEXT (COLLATE "C": byte order,
// as on every backend), BYTEA, TIMESTAMPTZ (microseconds) and JSONB. Values travel in the binary
// format, every one a bound parameter; statements are prepared once per connection. PostgreSQL
// text cannot hold a NUL byte: such a value is refused as bad input naming the field.
#pragma once

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <stowage/backend/concepts.hpp>
#include <stowage/backend/schema_diff.hpp>
#include <stowage/sql/render.hpp>

namespace stowage {
namespace detail::pg {

// type OIDs (pg_type.h)
inline constexpr Oid bool_oid = 16, bytea_oid = 17, int8_oid = 20, int2_oid = 21, int4_oid = 23, text_oid = 25,
                     json_oid = 114, float4_oid = 700, float8_oid = 701, varchar_oid = 1043, timestamp_oid = 1114,
                     timestamptz_oid = 1184, jsonb_oid = 3802;

/// Microseconds from 1970-01-01 (stowage's epoch) to 2000-01-01 (PostgreSQL's).
inline constexpr std::int64_t epoch_shift_us = 946'684'800'000'000;

struct dialect {
  static void quote(std::string& out, std::string_view name) { sql::quote_identifier(out, name, '"'); }
  static void placeholder(std::string& out, std::size_t n) {
    out += '$';
    out += std::to_string(n);
  }
  static constexpr bool like_on_bytes = true;  // LIKE on text counts characters; stowage's counts bytes
  // stowage puts NULLs first in ascending order and last in descending order
  static constexpr std::string_view asc = " ASC NULLS FIRST";
  static constexpr std::string_view desc = " DESC NULLS LAST";
  static constexpr std::int64_t no_limit = std::numeric_limits<std::int64_t>::max();
  static constexpr bool utf8_only = true;
};
using builder = sql::builder<dialect>;

constexpr std::string_view column_type(column_kind k) {
  switch (k) {
    case column_kind::boolean: return "boolean";
    case column_kind::int16: return "smallint";
    case column_kind::int32: return "integer";
    case column_kind::int64: return "bigint";
    case column_kind::real32: return "real";
    case column_kind::real64: return "double precision";
    case column_kind::text: return "text COLLATE \"C\"";
    case column_kind::blob: return "bytea";
    case column_kind::timestamp: return "timestamptz";
    case column_kind::json: return "jsonb";
  }
  return "bytea";
}

/// The kind of a stored column, from pg_type.typname.
inline std::optional<column_kind> kind_of_type(std::string_view t) {
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

/// The type a parameter for a column of this kind is sent as. Integers travel as int8 and
/// reals as float8; the server converts on assignment and compares across widths.
constexpr Oid param_type(column_kind k) {
  switch (k) {
    case column_kind::boolean: return bool_oid;
    case column_kind::int16:
    case column_kind::int32:
    case column_kind::int64: return int8_oid;
    case column_kind::real32:
    case column_kind::real64: return float8_oid;
    case column_kind::text: return text_oid;
    case column_kind::blob: return bytea_oid;
    case column_kind::timestamp: return timestamptz_oid;
    case column_kind::json: return jsonb_oid;
  }
  return bytea_oid;
}

inline std::uint64_t read_be(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
/// Reads N bytes at p as a big-endian number (compilers make this one load).
template <int N>
std::uint64_t get_be(const char* p) {
  unsigned char b[N];
  std::memcpy(b, p, N);
  std::uint64_t v = 0;
  for (int i = 0; i < N; ++i) v = (v << 8) | b[i];
  return v;
}
/// Writes the N low bytes of v at p, most significant first (compilers make this one store).
template <int N>
void put_be(char* p, std::uint64_t v) {
  unsigned char b[N];
  for (int i = 0; i < N; ++i) b[i] = static_cast<unsigned char>(v >> (8 * (N - 1 - i)));
  std::memcpy(p, b, N);
}

/// A growing byte buffer written through a pointer: COPY rows and parameters are built a few
/// bytes at a time, and a std::string::append for each costs a call and a capacity check apiece.
class byte_buffer {
 public:
  std::size_t size() const { return used_; }
  const char* data() const { return bytes_.data(); }
  void clear() { used_ = 0; }
  /// Room for n more bytes, counted in the size: the caller writes all n of them.
  char* extend(std::size_t n) {
    if (bytes_.size() - used_ < n) [[unlikely]]
      grow(n);
    char* p = bytes_.data() + used_;
    used_ += n;
    return p;
  }
  void append(const char* p, std::size_t n) {
    if (n) std::memcpy(extend(n), p, n);
  }

 private:
  [[gnu::noinline]] void grow(std::size_t n) { bytes_.resize(std::max(bytes_.size() * 2, used_ + n + 256)); }

  std::string bytes_;  // its size is the capacity; used_ bytes of it are the content
  std::size_t used_ = 0;
};
inline void write_be(byte_buffer& out, std::uint64_t v, int n) {
  char* p = out.extend(static_cast<std::size_t>(n));
  for (int i = n - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xFF);
}

/// Whether s is valid UTF-8, as PostgreSQL requires of text (checked here so that a bad string
/// is refused naming its field, before the server aborts a transaction over it).
inline bool valid_utf8(std::string_view s) {
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

/// How many leading bytes of s are ASCII other than NUL, counted eight at a time: what most
/// text is, settled in a few instructions a word; what follows goes through the full checks.
inline std::size_t plain_ascii_prefix(std::string_view s) {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    // a byte of 0 borrows into its high bit, a byte of 0x80 or more has it already
    if (((w | (w - ones)) & highs) != 0) return i;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i] - 1) < 0x7F) ++i;
  return i;
}

// PostgreSQL's timestamps: 4713 BC to 294276 AD, in microseconds from 2000-01-01
inline constexpr std::int64_t min_timestamp_us = -211'813'488'000'000'000;
inline constexpr std::int64_t end_timestamp_us = 9'223'371'331'200'000'000;

/// The size of the binary form of an integer (or bool, or time) stored as kind k.
constexpr std::size_t int_size(column_kind k) {
  switch (k) {
    case column_kind::boolean: return 1;
    case column_kind::int16: return 2;
    case column_kind::int32: return 4;
    default: return 8;
  }
}

/// Writes an integer's binary form for a column of kind k at p (int_size(k) bytes). Refuses
/// what PostgreSQL cannot store, naming the reason.
/// The refusals, out of line: the encoders stay small enough to inline.
[[noreturn]] inline void refuse_int(column_kind k, std::int64_t v) {
  if (k == column_kind::timestamp)
    throw codec_failure{error_kind::bad_input, "the time is out of the range PostgreSQL stores (4713 BC to 294276 AD)"};
  throw codec_failure{error_kind::bad_input,
                      std::to_string(v) + " does not fit the stored column (" + std::string(column_type(k)) + ")"};
}
[[noreturn]] inline void refuse_text(bool nul) {
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
  if (k == column_kind::json) return;  // the JSON codec wrote it: valid UTF-8, NUL escaped
  std::size_t plain = plain_ascii_prefix(t);
  if (plain == t.size()) return;
  t.remove_prefix(plain);
  if (t.find('\0') != std::string_view::npos) refuse_text(true);
  if (!valid_utf8(t)) refuse_text(false);
}

/// Appends a value's binary form for a column of kind k: what a bound parameter carries.
inline void append_binary(byte_buffer& out, column_kind k, std::int64_t v) {
  char* p = out.extend(int_size(k));
  put_int(p, k, v);
}
inline void append_binary(byte_buffer& out, column_kind k, double v) {
  if (k == column_kind::real32)
    put_be<4>(out.extend(4), std::bit_cast<std::uint32_t>(static_cast<float>(v)));
  else
    put_be<8>(out.extend(8), std::bit_cast<std::uint64_t>(v));
}
inline void append_binary(byte_buffer& out, column_kind k, detail::text_ref t) {
  check_text(k, t.text);
  if (k == column_kind::json) *out.extend(1) = '\1';
  out.append(t.text.data(), t.text.size());
}
inline void append_binary(byte_buffer& out, column_kind, detail::blob_ref b) {
  out.append(reinterpret_cast<const char*>(b.data.data()), b.data.size());
}

/// Appends one field of a binary COPY row, its length first, for a column stored as kind k.
inline void copy_field(byte_buffer& out, column_kind, detail::null_ref) { put_be<4>(out.extend(4), 0xFFFFFFFF); }
[[gnu::always_inline]] inline void copy_field(byte_buffer& out, column_kind k, std::int64_t v) {
  std::size_t n = int_size(k);
  char* p = out.extend(4 + n);
  put_be<4>(p, n);
  put_int(p + 4, k, v);
}
[[gnu::always_inline]] inline void copy_field(byte_buffer& out, column_kind k, double v) {
  std::size_t n = k == column_kind::real32 ? 4 : 8;
  put_be<4>(out.extend(4), n);
  append_binary(out, k, v);
}
[[gnu::always_inline]] inline void copy_field(byte_buffer& out, column_kind k, detail::text_ref t) {
  check_text(k, t.text);
  bool json = k == column_kind::json;
  std::size_t n = t.text.size() + (json ? 1 : 0);
  char* p = out.extend(4 + n);
  put_be<4>(p, n);
  if (json) p[4] = '\1';
  if (!t.text.empty()) std::memcpy(p + 4 + (json ? 1 : 0), t.text.data(), t.text.size());
}
inline void copy_field(byte_buffer& out, column_kind, detail::blob_ref b) {
  char* p = out.extend(4 + b.data.size());
  put_be<4>(p, b.data.size());
  if (!b.data.empty()) std::memcpy(p + 4, b.data.data(), b.data.size());
}

/// The kind a parameter travels as: integers as int8 and reals as float8, which the server
/// converts on assignment and compares across widths (see param_type).
constexpr column_kind param_kind(column_kind k) {
  switch (k) {
    case column_kind::int16:
    case column_kind::int32: return column_kind::int64;
    case column_kind::real32: return column_kind::real64;
    default: return k;
  }
}

/// The parameters of one statement, in libpq's binary format.
class params {
 public:
  void clear() {
    scratch_.clear();
    slots_.clear();
  }
  int size() const { return static_cast<int>(slots_.size()); }

  /// Adds one stored value (as visit_stored yields it) for a column of kind k.
  void add(column_kind, detail::null_ref) { slots_.push_back({nullptr, 0, -1}); }
  template <class V>
  void add(column_kind k, const V& v) {
    // text and bytes that outlive the statement are sent from where they are
    if constexpr (std::same_as<V, detail::text_ref>) {
      if (v.stable && k != column_kind::json) {
        check_text(k, v.text);
        slots_.push_back({v.text.data() ? v.text.data() : "", 0, static_cast<int>(v.text.size())});
        return;
      }
    } else if constexpr (std::same_as<V, detail::blob_ref>) {
      if (v.stable) {
        slots_.push_back(
            {v.data.empty() ? "" : reinterpret_cast<const char*>(v.data.data()), 0, static_cast<int>(v.data.size())});
        return;
      }
    }
    std::size_t at = scratch_.size();
    append_binary(scratch_, param_kind(k), v);
    slots_.push_back({nullptr, at, static_cast<int>(scratch_.size() - at)});
  }
  /// Adds a query parameter; it must outlive the statement's execution.
  void add(column_kind k, const value& v) {
    std::visit(
        [&](const auto& x) {
          using X = std::remove_cvref_t<decltype(x)>;
          if constexpr (std::same_as<X, std::monostate>)
            add(k, detail::null_ref{});
          else if constexpr (std::same_as<X, std::string>)
            add(k, detail::text_ref{x, true});
          else if constexpr (std::same_as<X, bytes>)
            add(k, detail::blob_ref{x, true});
          else
            add(k, x);
        },
        v);
  }

  /// The arrays libpq takes; valid until the next add or clear.
  const char* const* values() {
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
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  struct slot {
    const char* external;  // the bytes, when they outlive the statement; else an offset in scratch_
    std::size_t offset;
    int length;  // -1 for NULL
  };

  byte_buffer scratch_;
  std::vector<slot> slots_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result = std::unique_ptr<PGresult, result_deleter>;

/// Reads and drops the results still due on a connection.
inline void drain(PGconn* c) {
  while (result r{PQgetResult(c)}) {
  }
}

/// SQL text for a message: long statements (an IN list of thousands) cut short.
inline std::string clipped(std::string_view sql) {
  return sql.size() <= 200 ? std::string(sql) : std::string(sql.substr(0, 200)) + "...";
}

/// Reads one column of one row of a binary-format result as a field's stored type.
struct column_source {
  const PGresult* res;
  int row;
  int col;
  bool is_null() const { return PQgetisnull(res, row, col) != 0; }
  template <class S>
  S get() const {
    const char* p = PQgetvalue(res, row, col);
    auto n = static_cast<std::size_t>(PQgetlength(res, row, col));
    Oid t = PQftype(res, col);
    (void)n;
    if constexpr (std::same_as<S, std::int64_t>) {
      switch (t) {
        case int8_oid: return static_cast<std::int64_t>(read_be(p, 8));
        case int4_oid: return static_cast<std::int32_t>(static_cast<std::uint32_t>(read_be(p, 4)));
        case int2_oid: return static_cast<std::int16_t>(static_cast<std::uint16_t>(read_be(p, 2)));
        case bool_oid: return p[0] != 0;
        case timestamptz_oid:
        case timestamp_oid: return static_cast<std::int64_t>(read_be(p, 8)) + epoch_shift_us;
        default: break;
      }
      throw codec_failure{error_kind::corrupt, "expected an integer, found a value of type " + std::to_string(t)};
    } else if constexpr (std::same_as<S, double>) {
      if (t == float8_oid) return std::bit_cast<double>(read_be(p, 8));
      if (t == float4_oid) return std::bit_cast<float>(static_cast<std::uint32_t>(read_be(p, 4)));
      throw codec_failure{error_kind::corrupt, "expected a number, found a value of type " + std::to_string(t)};
    } else if constexpr (std::same_as<S, std::string>) {
      std::string s;
      assign_to(s);
      return s;
    } else {
      if (t != bytea_oid)
        throw codec_failure{error_kind::corrupt, "expected bytes, found a value of type " + std::to_string(t)};
      auto b = reinterpret_cast<const std::byte*>(p);
      return bytes(b, b + n);
    }
  }
  /// Reads a text column into s, reusing s's buffer.
  void assign_to(std::string& s) const {
    if (is_null()) throw codec_failure{error_kind::corrupt, "stored NULL in a field that is not optional"};
    const char* p = PQgetvalue(res, row, col);
    auto n = static_cast<std::size_t>(PQgetlength(res, row, col));
    switch (PQftype(res, col)) {
      case text_oid:
      case varchar_oid:
      case json_oid: s.assign(p, n); return;
      case jsonb_oid:
        if (n == 0 || p[0] != 1) throw codec_failure{error_kind::corrupt, "unknown jsonb format version"};
        s.assign(p + 1, n - 1);
        return;
      default: break;
    }
    throw codec_failure{error_kind::corrupt,
                        "expected text, found a value of type " + std::to_string(PQftype(res, col))};
  }
};

/// The type a column of kind k reads back as (text may also be a varchar column).
constexpr Oid result_type(column_kind k) {
  switch (k) {
    case column_kind::boolean: return bool_oid;
    case column_kind::int16: return int2_oid;
    case column_kind::int32: return int4_oid;
    case column_kind::int64: return int8_oid;
    case column_kind::real32: return float4_oid;
    case column_kind::real64: return float8_oid;
    case column_kind::text: return text_oid;
    case column_kind::blob: return bytea_oid;
    case column_kind::timestamp: return timestamptz_oid;
    case column_kind::json: return jsonb_oid;
  }
  return bytea_oid;
}

/// The first column of a result whose type is not the one the table stores (as open_table
/// read it), or -1. Checked once per statement's result, so that rows are then decoded by the
/// known kinds without asking libpq each field's type.
inline int mismatched_column(const PGresult* res, const std::vector<column_kind>& stored) {
  for (std::size_t i = 0; i < stored.size(); ++i) {
    Oid t = PQftype(res, static_cast<int>(i));
    if (t != result_type(stored[i]) && !(stored[i] == column_kind::text && t == varchar_oid))
      return static_cast<int>(i);
  }
  return -1;
}

/// One field of one row of a binary result whose column types were checked: two libpq calls
/// (the bytes and their length; a third for NULL only when a text or bytes value is empty),
/// the type taken from the column's kind.
struct cell_source {
  const char* p;
  std::size_t n;
  bool null;
  column_kind kind;

  cell_source(const PGresult* res, int row, int col, column_kind k)
      : p(PQgetvalue(res, row, col)), n(static_cast<std::size_t>(PQgetlength(res, row, col))), null(false), kind(k) {
    // a value of a fixed-size type is never empty: length 0 is NULL; text and bytes may be ''
    if (n == 0)
      null = k == column_kind::text || k == column_kind::blob || k == column_kind::json
                 ? PQgetisnull(res, row, col) != 0
                 : true;
  }
  bool is_null() const { return null; }
  [[noreturn]] void refuse(const char* expected) const {
    throw codec_failure{error_kind::corrupt, std::string("expected ") + expected + ", found a " + std::to_string(n) +
                                                 "-byte value of a " + std::string(column_type(kind)) + " column"};
  }
  template <int N>
  std::uint64_t fixed(const char* expected) const {
    if (n != N) refuse(expected);
    return get_be<N>(p);
  }
  template <class S>
  S get() const {
    if constexpr (std::same_as<S, std::int64_t>) {
      switch (kind) {
        case column_kind::int64: return static_cast<std::int64_t>(fixed<8>("an integer"));
        case column_kind::int32: return static_cast<std::int32_t>(static_cast<std::uint32_t>(fixed<4>("an integer")));
        case column_kind::int16: return static_cast<std::int16_t>(static_cast<std::uint16_t>(fixed<2>("an integer")));
        case column_kind::boolean: return fixed<1>("an integer") != 0;
        case column_kind::timestamp: return static_cast<std::int64_t>(fixed<8>("an integer")) + epoch_shift_us;
        default: refuse("an integer");
      }
    } else if constexpr (std::same_as<S, double>) {
      if (kind == column_kind::real64) return std::bit_cast<double>(fixed<8>("a number"));
      if (kind == column_kind::real32) return std::bit_cast<float>(static_cast<std::uint32_t>(fixed<4>("a number")));
      refuse("a number");
    } else if constexpr (std::same_as<S, std::string>) {
      std::string s;
      assign_to(s);
      return s;
    } else {
      if (kind != column_kind::blob) refuse("bytes");
      auto b = reinterpret_cast<const std::byte*>(p);
      return bytes(b, b + n);
    }
  }
  /// Reads a text column into s, reusing s's buffer.
  void assign_to(std::string& s) const {
    if (null) throw codec_failure{error_kind::corrupt, "stored NULL in a field that is not optional"};
    if (kind == column_kind::text) {
      s.assign(p, n);
    } else if (kind == column_kind::json) {
      if (n == 0 || p[0] != 1) throw codec_failure{error_kind::corrupt, "unknown jsonb format version"};
      s.assign(p + 1, n - 1);
    } else {
      refuse("text");
    }
  }
};

/// What a URL asks for: libpq's connection string and stowage's own settings.
struct settings {
  std::string conninfo;  // the URL with stowage's parameters taken out
  std::string shown;     // the URL for messages, password hidden
  std::size_t pool_size = 8;
  std::chrono::milliseconds pool_timeout{10000};
  isolation level = isolation::serializable;
  std::string schema;
};

inline std::string percent_decode(std::string_view s) {
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

inline settings parse_url(std::string_view url) {
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

/// One server connection and what has been prepared on it.
struct connection {
  PGconn* conn = nullptr;
  std::unordered_set<std::string> prepared;              // statement names
  std::unordered_map<std::string, std::string> queries;  // query text -> statement name
  std::uint64_t epoch = 0;                               // the pool's epoch when it connected
  std::chrono::steady_clock::time_point idle_since;      // when it went back to the pool
  bool broken = false;
  std::uint64_t cursors = 0;
  connection() = default;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() {
    if (conn) PQfinish(conn);
  }
};

inline std::string trimmed(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

/// Whether a failure without an SQLSTATE came from a lost connection. libpq does not always
/// mark the connection bad when the server is gone: when sending a command failed and what it
/// read next was a notice (a server shutting down says goodbye with one), PQgetResult reports
/// "server closed the connection unexpectedly" with the connection still CONNECTION_OK. So the
/// socket is asked: a closed one reads as end of file at once, after what the server sent last.
inline bool connection_lost(connection& c) {
  if (PQstatus(c.conn) != CONNECTION_OK || PQsocket(c.conn) < 0) return true;
  for (int reads = 0; reads < 8; ++reads) {
    pollfd p{PQsocket(c.conn), POLLIN, 0};
    if (::poll(&p, 1, 0) == 0) return false;
    if (PQconsumeInput(c.conn) == 0 || PQstatus(c.conn) != CONNECTION_OK) return true;
  }
  return false;  // still talking: alive
}

/// A bounded pool of connections. Thread-safe.
class pool {
 public:
  explicit pool(const settings& s) : settings_(s) {}

  std::unique_ptr<connection> acquire() {
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

  void release(std::unique_ptr<connection> c) {
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

  const settings& config() const { return settings_; }

 private:
  static bool alive(connection& c) {
    if (PQstatus(c.conn) != CONNECTION_OK) return false;
    pollfd p{PQsocket(c.conn), POLLIN, 0};
    if (::poll(&p, 1, 0) == 0) return true;  // nothing arrived while idle
    return PQconsumeInput(c.conn) == 1 && PQstatus(c.conn) == CONNECTION_OK;
  }

  void drop_idle_locked() {
    ++epoch_;
    open_ -= idle_.size();
    idle_.clear();
  }

  std::unique_ptr<connection> connect(std::uint64_t epoch) {
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

  settings settings_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t open_ = 0;
  std::uint64_t epoch_ = 0;
};

}  // namespace detail::pg

class postgres {
 public:
  static constexpr std::string_view name = "postgres";
  static constexpr bool streams = true;
  static constexpr bool concurrent = true;

  explicit postgres(std::string_view url) : pool_(detail::pg::parse_url(url)) {
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

  postgres(const postgres&) = delete;
  postgres& operator=(const postgres&) = delete;

  /// The statements of one record type's table.
  struct table_state {
    const detail::table_schema* schema = nullptr;
    std::uint64_t generation = 0;
    enum kind { put, insert, update, get, erase, clear, kinds };
    std::string names[kinds];
    std::string sql[kinds];
    std::vector<Oid> types[kinds];
    std::vector<column_kind> stored;  // each field's column as the table stores it
    std::string primary_key;          // the name of the table's primary key constraint
    bool guard_writes = false;        // a write can be refused by a unique index (see write())
    std::string stage;                // put_many's staging table, and the SQL that uses it
    std::string stage_sql, merge_sql;
  };
  using table_handle = table_state*;

  /// A connection for one operation: the calling thread's transaction's, or one from the pool.
  class lease {
   public:
    lease(detail::pg::pool* p, std::unique_ptr<detail::pg::connection> c)
        : pool_(p), owned_(std::move(c)), c_(owned_.get()) {}
    explicit lease(detail::pg::connection* pinned) : c_(pinned) {}
    lease(lease&& o) noexcept : pool_(o.pool_), owned_(std::move(o.owned_)), c_(std::exchange(o.c_, nullptr)) {}
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (owned_) pool_->release(std::move(owned_));
    }
    detail::pg::connection& operator*() const { return *c_; }
    detail::pg::connection* operator->() const { return c_; }
    bool in_transaction() const { return !owned_; }

   private:
    detail::pg::pool* pool_ = nullptr;
    std::unique_ptr<detail::pg::connection> owned_;
    detail::pg::connection* c_;
  };

  /// Creates or migrates the table in a transaction of its own, on a connection of the pool
  /// (so a table first used inside a transaction exists whatever becomes of the transaction),
  /// then writes its statements, which never change after.
  table_handle open_table(const detail::table_schema& s) {
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

  template <class R>
  write_result write(table_handle h, const R& r, write_mode mode) {
    auto& t = *h;
    auto key = detail::make_key_ref(record_info<R>::key_of(r));
    detail::pg::params p;
    encode(p, t, r, key);
    auto k = mode == write_mode::upsert   ? table_state::put
             : mode == write_mode::insert ? table_state::insert
                                          : table_state::update;
    auto c = acquire();
    ensure_prepared(*c, t, k);
    detail::pg::result res;
    const char* const* values = p.values();
    if (c.in_transaction() && t.guard_writes) {
      // a refused statement would abort the whole transaction: a write a unique index may refuse
      // runs in a savepoint (in the same round trip), so the transaction goes on as on every
      // backend. Other writes need none: what the server could refuse is checked before sending
      // (and many savepoints in one transaction slow the whole server down).
      res = guarded(*c, t.names[k], p.size(), values, p.lengths(), p.formats(), t.schema, key);
    } else {
      res.reset(PQexecPrepared(c->conn, t.names[k].c_str(), p.size(), values, p.lengths(), p.formats(), 1));
      if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) fail(*c, res.get(), "cannot write the record", t.schema, key);
    }
    if (mode != write_mode::upsert && std::string_view(PQcmdTuples(res.get())) == "0")
      return mode == write_mode::insert ? write_result::key_exists : write_result::key_missing;
    return write_result::done;
  }

  template <class R, class K>
  std::optional<R> get(table_handle h, const K& key) {
    auto& t = *h;
    auto ref = detail::make_key_ref(key);
    detail::pg::params p;
    add_key(p, t, key, ref);
    auto res = run(t, table_state::get, p, PGRES_TUPLES_OK, "cannot read the record", ref);
    if (PQntuples(res.get()) == 0) return std::nullopt;
    R r{};
    decode_into(r, res.get(), 0, t, ref, true);
    return r;
  }

  /// Looks up every key in one pipeline: one round trip for the batch.
  template <class R, class Keys>
  std::vector<std::optional<R>> get_many(table_handle h, const Keys& keys) {
    auto& t = *h;
    auto c = acquire();
    ensure_prepared(*c, t, table_state::get);
    const char* name = t.names[table_state::get].c_str();
    std::vector<std::optional<R>> out;
    pipeline pl(*this, *c);
    detail::pg::params p;
    std::size_t sent = 0;
    for (const auto& key : keys) {
      p.clear();
      auto ref = detail::make_key_ref(key);
      add_key(p, t, key, ref);
      const char* const* values = p.values();
      if (!PQsendQueryPrepared(c->conn, name, 1, values, p.lengths(), p.formats(), 1)) pl.lost("cannot send a lookup");
      if (++sent % 128 == 0) pl.pump();
    }
    pl.sync();
    out.reserve(sent);
    for (std::size_t i = 0; i < sent; ++i) {
      auto res = pl.next();
      auto st = PQresultStatus(res.get());
      if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE)
        pl.fail(res.get(), "cannot read a record of a batch", t.schema);
      if (PQntuples(res.get()) == 0) {
        out.emplace_back();
      } else {
        auto& r = out.emplace_back(std::in_place);
        decode_into(*r, res.get(), 0, t, {}, true);
      }
    }
    pl.finish();
    return out;
  }

  /// Upserts every record in one transaction (a savepoint inside the calling thread's
  /// transaction): all of them, or none. A small batch goes in one pipeline of upserts; a large
  /// one by COPY, straight into the table when its keys are new, else through a staging table.
  template <class R, class Records>
  void put_many(table_handle h, const Records& records) {
    if constexpr (!std::is_lvalue_reference_v<std::ranges::range_reference_t<const Records&>>) {
      // the range makes its records on the fly: keep them while the batch needs them
      std::vector<R> kept;
      for (auto&& r : records) kept.push_back(std::forward<decltype(r)>(r));
      put_many<R>(h, kept);
    } else {
      std::vector<const R*> rows;
      if constexpr (std::ranges::sized_range<const Records&>) rows.reserve(std::ranges::size(records));
      for (const R& r : records) rows.push_back(&r);
      auto& t = *h;
      auto c = acquire();
      if (rows.size() < copy_threshold)
        pipelined_upsert(t, c, rows);
      else
        copied_upsert(t, c, rows);
    }
  }

  template <class R, class K>
  bool erase(table_handle h, const K& key) {
    auto& t = *h;
    auto ref = detail::make_key_ref(key);
    detail::pg::params p;
    add_key(p, t, key, ref);
    auto res = run(t, table_state::erase, p, PGRES_COMMAND_OK, "cannot delete the record", ref);
    return std::string_view(PQcmdTuples(res.get())) != "0";
  }

  /// Streams a query's rows: outside a transaction in single-row mode on a connection of its
  /// own; inside one through a server-side cursor, fetched in batches, so the transaction's
  /// other statements can run between them. Either way the rows are the statement's snapshot
  /// (PostgreSQL's cursors are insensitive): writes made while it is read do not show.
  template <class R>
  class cursor {
   public:
    cursor(postgres* owner, const table_state* t, lease c, std::string cursor_name, std::uint64_t session)
        : owner_(owner),
          table_(t),
          schema_(t->schema),
          c_(std::move(c)),
          name_(std::move(cursor_name)),
          session_(session) {}
    cursor(cursor&& o) noexcept
        : owner_(o.owner_),
          table_(o.table_),
          schema_(o.schema_),
          c_(std::move(o.c_)),
          name_(std::move(o.name_)),
          session_(o.session_),
          batch_(std::move(o.batch_)),
          row_(o.row_),
          done_(std::exchange(o.done_, true)),
          checked_(o.checked_) {}
    cursor& operator=(cursor&&) = delete;
    ~cursor() {
      if (done_) return;
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

    bool next(R& out) {
      if (done_) return false;
      if (name_.empty()) {
        batch_.reset(PQgetResult(c_->conn));
        auto st = PQresultStatus(batch_.get());
        if (st == PGRES_SINGLE_TUPLE) {
          // one statement, one row description: its types are checked with the first row
          owner_->decode_into(out, batch_.get(), 0, *table_, {}, !checked_);
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
      owner_->decode_into(out, batch_.get(), row_, *table_, {}, row_ == 0);
      ++row_;
      return true;
    }

   private:
    static constexpr int fetch_size = 512;
    postgres* owner_;
    const table_state* table_;
    const detail::table_schema* schema_;
    lease c_;
    std::string name_;  // the server-side cursor; empty in single-row mode
    std::uint64_t session_;
    detail::pg::result batch_;
    int row_ = 0;
    bool done_ = false;
    bool checked_ = false;  // the result's column types, in single-row mode
  };

  template <class R>
  cursor<R> select(table_handle h, const detail::query_spec& q) {
    auto& t = *h;
    detail::pg::builder b(*t.schema);
    b.raw("SELECT ").column_list().raw(" FROM ").ident(t.schema->table).clauses(q);
    detail::pg::params p;
    for (std::size_t i = 0; i < b.params.size(); ++i) add_param(p, b, i, t.schema);
    auto c = acquire();
    const char* const* values = p.values();
    if (c.in_transaction()) {
      std::string cursor_name = "stowage_cursor_" + std::to_string(++c->cursors);
      std::string declare = "DECLARE " + cursor_name + " BINARY NO SCROLL CURSOR FOR " + b.text;
      std::vector<Oid> types;
      for (auto k : b.kinds) types.push_back(detail::pg::param_type(k));
      detail::pg::result r(
          PQexecParams(c->conn, declare.c_str(), p.size(), types.data(), values, p.lengths(), p.formats(), 1));
      if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) fail(*c, r.get(), "cannot run the query", t.schema, {});
      auto session = session_id();
      return cursor<R>(this, &t, std::move(c), std::move(cursor_name), session);
    }
    const std::string& stmt = prepared_query(*c, b, t.schema);
    if (!PQsendQueryPrepared(c->conn, stmt.c_str(), p.size(), values, p.lengths(), p.formats(), 1) ||
        !PQsetSingleRowMode(c->conn))
      fail(*c, nullptr, "cannot run the query", t.schema, {});
    return cursor<R>(this, &t, std::move(c), {}, 0);
  }

  std::uint64_t count(table_handle h, const detail::query_spec& q) {
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

  void clear(table_handle h) {
    detail::pg::params none;
    run(*h, table_state::clear, none, PGRES_COMMAND_OK, "cannot clear the table", {});
  }

  void begin(unsigned depth) { begin(depth, pool_.config().level); }
  void begin(unsigned depth, isolation level) {
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

  void commit(unsigned depth) {
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

  void rollback(unsigned depth) {
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

  /// A connection for work stowage does not wrap: the calling thread's transaction's, or one
  /// from the pool, returned when the lease ends. Use (*lease).conn with libpq.
  lease connection() { return acquire(); }

 private:
  struct session {
    std::unique_ptr<detail::pg::connection> conn;
    std::uint64_t id = 0;
  };

  /// An error found out, raised once the connection is tidied up.
  struct pending_error {
    error_kind kind;
    bool retryable;
    std::string what;
    error_context ctx;
    [[noreturn]] void raise() {
      if (retryable) throw retryable_conflict(what, std::move(ctx));
      throw_error(kind, what, std::move(ctx));
    }
  };

  /// Commands sent in pipeline mode and their results read back: one round trip for a batch.
  class pipeline {
   public:
    pipeline(postgres& owner, detail::pg::connection& c) : owner_(owner), c_(c) {
      if (!PQenterPipelineMode(c.conn) || PQsetnonblocking(c.conn, 1) != 0) lost("cannot enter pipeline mode");
    }
    pipeline(const pipeline&) = delete;
    pipeline& operator=(const pipeline&) = delete;
    ~pipeline() {
      if (!finished_) {
        try {
          drain();
        } catch (...) {
          c_.broken = true;
        }
      }
    }
    void send(const char* sql) {
      if (!PQsendQueryParams(c_.conn, sql, 0, nullptr, nullptr, nullptr, nullptr, 1)) lost("cannot send a command");
    }
    /// Sends what is buffered without blocking on a server that is itself sending results.
    void pump() {
      for (;;) {
        int r = PQflush(c_.conn);
        if (r == 0) return;
        if (r < 0) lost("cannot send to the server");
        pollfd p{PQsocket(c_.conn), POLLIN | POLLOUT, 0};
        ::poll(&p, 1, -1);
        if ((p.revents & POLLIN) && !PQconsumeInput(c_.conn)) lost("cannot read from the server");
      }
    }
    void sync() {
      if (!PQpipelineSync(c_.conn)) lost("cannot send a sync");
      synced_ = true;
      pump();
    }
    /// The next command's result.
    detail::pg::result next() {
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
    /// Reads what is left up to the sync and leaves pipeline mode.
    void drain() {
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
    void finish() {
      detail::pg::result r(PQgetResult(c_.conn));
      finished_ = true;
      if (PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC) {
        c_.broken = true;
        lost("the batch did not end as expected");
      }
      leave();
    }
    [[noreturn]] void fail(const PGresult* r, std::string_view what, const detail::table_schema* s) {
      auto e = owner_.error_of(c_, r, what, s, {});
      drain();
      e.raise();
    }
    [[noreturn]] void lost(std::string_view what) {
      finished_ = true;
      c_.broken = true;
      throw unavailable_error(what, error_context{{}, {}, {}, detail::pg::trimmed(PQerrorMessage(c_.conn))});
    }

   private:
    void leave() {
      // a connection that stays in pipeline mode cannot serve the next user
      if (!PQexitPipelineMode(c_.conn) || PQsetnonblocking(c_.conn, 0) != 0) c_.broken = true;
    }
    postgres& owner_;
    detail::pg::connection& c_;
    bool synced_ = false;
    bool finished_ = false;
  };

  lease acquire() {
    {
      std::lock_guard lock(sessions_mutex_);
      auto it = sessions_.find(std::this_thread::get_id());
      if (it != sessions_.end()) return lease(it->second.conn.get());
    }
    return lease(&pool_, pool_.acquire());
  }

  session end_session() {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(std::this_thread::get_id());
    if (it == sessions_.end()) return {};
    session s = std::move(it->second);
    sessions_.erase(it);
    return s;
  }

  /// The calling thread's transaction, 0 when it has none.
  std::uint64_t session_id() {
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(std::this_thread::get_id());
    return it == sessions_.end() ? 0 : it->second.id;
  }

  pending_error error_of(detail::pg::connection& c, const PGresult* r, std::string_view what,
                         const detail::table_schema* s, const detail::key_ref& key) {
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

  [[noreturn]] void fail(detail::pg::connection& c, const PGresult* r, std::string_view what,
                         const detail::table_schema* s, const detail::key_ref& key) {
    error_of(c, r, what, s, key).raise();
  }

  void exec(detail::pg::connection& c, const char* sql, const detail::table_schema* s = nullptr) {
    detail::pg::result r(PQexec(c.conn, sql));
    auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      fail(c, r.get(), "cannot run " + detail::pg::clipped(sql), s, {});
  }
  void exec_quietly(detail::pg::connection& c, const char* sql) noexcept {
    detail::pg::result r(PQexec(c.conn, sql));
    if (PQstatus(c.conn) != CONNECTION_OK) c.broken = true;
  }

  /// Runs a prepared statement inside the calling thread's transaction, in a savepoint of its
  /// own, all in one round trip: a refused statement leaves the transaction as it was.
  detail::pg::result guarded(detail::pg::connection& c, const std::string& stmt, int n, const char* const* values,
                             const int* lengths, const int* formats, const detail::table_schema* s,
                             const detail::key_ref& key) {
    pipeline pl(*this, c);
    pl.send("SAVEPOINT stowage_write");
    if (!PQsendQueryPrepared(c.conn, stmt.c_str(), n, values, lengths, formats, 1)) pl.lost("cannot send a statement");
    pl.send("RELEASE SAVEPOINT stowage_write");
    pl.sync();
    auto saved = pl.next();
    if (PQresultStatus(saved.get()) != PGRES_COMMAND_OK) pl.fail(saved.get(), "cannot set a savepoint", s);
    auto r = pl.next();
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      auto e = error_of(c, r.get(), "cannot write the record", s, key);
      pl.drain();
      exec_quietly(c, "ROLLBACK TO SAVEPOINT stowage_write; RELEASE SAVEPOINT stowage_write");
      e.raise();
    }
    auto released = pl.next();
    if (PQresultStatus(released.get()) != PGRES_COMMAND_OK) pl.fail(released.get(), "cannot release a savepoint", s);
    pl.finish();
    return r;
  }

  template <class R>
  void encode(detail::pg::params& p, const table_state& t, const R& r, const detail::key_ref& key) {
    detail::for_each_field(r, [&](auto i, const auto& f) {
      detail::with_field_context(
          *t.schema, i, key, [&] { detail::visit_stored(f, [&](auto v) { p.add(t.schema->columns[i].kind, v); }); });
    });
  }

  template <class K>
  void add_key(detail::pg::params& p, const table_state& t, const K& key, const detail::key_ref& ref) {
    detail::with_field_context(*t.schema, t.schema->key, ref, [&] {
      detail::visit_stored(key, [&](auto v) { p.add(t.schema->columns[t.schema->key].kind, v); });
    });
  }

  void add_param(detail::pg::params& p, const detail::pg::builder& b, std::size_t i, const detail::table_schema* s) {
    try {
      p.add(b.kinds[i], b.params[i]);
    } catch (const detail::codec_failure& f) {
      throw_error(f.kind, "a query parameter: " + f.message, detail::context_of(*s));
    }
  }

  /// Decodes row `row` of a result into r, reusing the buffers of its string fields. The
  /// result's column types are checked against the table's when `check` (once per statement):
  /// the fields are then read by their stored kinds.
  template <class R>
  void decode_into(R& r, const PGresult* res, int row, const table_state& t, detail::key_ref key, bool check) {
    const auto& s = *t.schema;
    struct row_key {
      const PGresult* res;
      int row;
      int col;
    } rk{res, row, static_cast<int>(s.key)};
    if (!key.render)
      key = detail::key_ref{[](const void* p, const void*) {
                              auto k = static_cast<const row_key*>(p);
                              if (PQgetisnull(k->res, k->row, k->col)) return std::string("NULL");
                              detail::pg::column_source src{k->res, k->row, k->col};
                              try {
                                if (PQftype(k->res, k->col) == detail::pg::text_oid)
                                  return detail::describe(value(src.get<std::string>()));
                                return detail::describe(value(src.get<std::int64_t>()));
                              } catch (...) {
                                return std::string("(unprintable)");
                              }
                            },
                            &rk};
    if (check) {
      if (int bad = detail::pg::mismatched_column(res, t.stored); bad >= 0)
        detail::with_field_context(s, static_cast<std::size_t>(bad), key, [&] {
          throw detail::codec_failure{error_kind::corrupt,
                                      "the result's column has the type " + std::to_string(PQftype(res, bad)) +
                                          ", not the table's " + std::string(detail::pg::column_type(t.stored[bad]))};
        });
    }
    // the field in hand is noted rather than each wrapped in with_field_context: the row's
    // decoding then inlines, and a failure is named as it would have been
    std::size_t field = 0;
    try {
      detail::for_each_field(r, [&](auto i, auto& f) {
        using F = std::remove_cvref_t<decltype(f)>;
        field = i;
        detail::pg::cell_source src{res, row, static_cast<int>(i), t.stored[i]};
        if constexpr (std::same_as<F, std::string>)
          src.assign_to(f);
        else
          f = detail::read_stored<F>(src);
      });
    } catch (...) {
      detail::with_field_context(s, field, key, [] { throw; });
    }
  }

  /// Runs one of a table's statements on the calling thread's connection and checks its status.
  detail::pg::result run(const table_state& t, int k, detail::pg::params& p, ExecStatusType expected,
                         std::string_view what, const detail::key_ref& key) {
    auto c = acquire();
    ensure_prepared(*c, t, k);
    const char* const* values = p.values();
    detail::pg::result res(PQexecPrepared(c->conn, t.names[k].c_str(), p.size(), values, p.lengths(), p.formats(), 1));
    if (PQresultStatus(res.get()) != expected) fail(*c, res.get(), what, t.schema, key);
    return res;
  }

  void ensure_prepared(detail::pg::connection& c, const table_state& t, int k) {
    const std::string& name = t.names[k];
    if (c.prepared.count(name)) return;
    detail::pg::result r(
        PQprepare(c.conn, name.c_str(), t.sql[k].c_str(), static_cast<int>(t.types[k].size()), t.types[k].data()));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      fail(c, r.get(), "cannot prepare " + detail::pg::clipped(t.sql[k]), t.schema, {});
    c.prepared.insert(name);
  }

  /// The name of a query's statement on this connection, prepared on first use.
  const std::string& prepared_query(detail::pg::connection& c, const detail::pg::builder& b,
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

  std::vector<detail::stored_column> stored_columns(detail::pg::connection& c, const detail::table_schema& s) {
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

  /// Creates the table or adds the record's new columns, and notes how the table stores each
  /// field (integer and real widths may differ from the record's) and its primary key's name.
  void create_or_migrate(detail::pg::connection& c, table_state& t) {
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
        add.raw("ALTER TABLE ")
            .ident(s.table)
            .raw(" ADD COLUMN ")
            .column(i)
            .raw(" ")
            .raw(column_type(s.columns[i].kind));
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
      for (std::size_t i = 0; i < ix.columns.size(); ++i) {
        if (i) ci.raw(", ");
        ci.column(ix.columns[i]);
      }
      ci.raw(")");
      exec(c, ci.text.c_str(), &s);
    }
    t.stored = std::move(kinds);
    t.guard_writes = std::any_of(s.indexes.begin(), s.indexes.end(), [](auto& ix) { return ix.unique; });
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

  /// The table's statements, named by table and generation so that each connection prepares
  /// them once, and again after the table changed.
  void write_statements(table_state& t) {
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
    insert.raw(" ON CONFLICT (").column(s.key).raw(") DO NOTHING");
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
    merge.raw(") ")
        .column_list()
        .raw(" FROM ")
        .ident(t.stage)
        .raw(" ORDER BY ")
        .column(s.key)
        .raw(", stowage_seq DESC");
    merge.raw(put.text.substr(put.text.find(" ON CONFLICT")));
    t.merge_sql = std::move(merge.text);

    const char* kind_names[] = {"put", "insert", "update", "get", "erase", "clear"};
    B* builders[] = {&put, &insert, &update, &get, &erase, &clear};
    for (int k = 0; k < table_state::kinds; ++k) {
      t.names[k] = "stowage_" + std::to_string(t.generation) + "_" + kind_names[k];
      t.sql[k] = std::move(builders[k]->text);
      t.types[k] = k <= table_state::update ? all : k == table_state::clear ? std::vector<Oid>{} : key;
    }
  }

  /// A batch of upserts in one pipeline: one round trip.
  template <class R>
  void pipelined_upsert(table_state& t, lease& c, const std::vector<const R*>& rows) {
    bool nested = c.in_transaction();
    ensure_prepared(*c, t, table_state::put);
    const char* name = t.names[table_state::put].c_str();
    pipeline pl(*this, *c);
    pl.send(nested ? "SAVEPOINT stowage_many" : "BEGIN");
    detail::pg::params p;
    try {
      for (std::size_t i = 0; i < rows.size(); ++i) {
        p.clear();
        encode(p, t, *rows[i], detail::make_key_ref(record_info<R>::key_of(*rows[i])));
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
    for (const R* r : rows) {
      auto res = pl.next();
      if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
        // the rest of the pipeline is skipped; undo what ran
        auto key = detail::make_key_ref(record_info<R>::key_of(*r));
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

  /// A large batch by binary COPY. New keys go straight into the table; when a key exists (or
  /// repeats in the batch) that COPY is undone and the rows go through a staging table, from
  /// which one INSERT ... ON CONFLICT DO UPDATE keeps the last record of each key. A few keys
  /// of the batch are looked up first, in the round trip that begins it: when one exists the
  /// rows go to the staging table at once, rather than after a COPY bound to fail.
  template <class R>
  void copied_upsert(table_state& t, lease& c, const std::vector<const R*>& rows) {
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
        for (std::size_t i = 0; i < probes; ++i) {
          const R& r = *rows[i * rows.size() / probes];
          const auto& key = record_info<R>::key_of(r);
          p.clear();
          add_key(p, t, key, detail::make_key_ref(key));
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

  struct copy_failure {
    pending_error error;
    bool existing_key;  // the primary key refused a row: the batch needs the staging path
  };

  /// Sends the rows to `target` by COPY in the binary format; a failure is returned, not thrown,
  /// unless a record cannot be encoded (then the COPY is abandoned and the error thrown).
  template <class R>
  std::optional<copy_failure> copy_rows(detail::pg::connection& c, const table_state& t,
                                        const std::vector<const R*>& rows, std::string_view target, bool with_seq) {
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
    detail::pg::byte_buffer buf;
    buf.append("PGCOPY\n\377\r\n\0", 11);
    detail::pg::write_be(buf, 0, 4);  // flags
    detail::pg::write_be(buf, 0, 4);  // header extension length
    auto columns = static_cast<std::uint64_t>(s.columns.size() + (with_seq ? 1 : 0));
    bool sent_ok = true;
    auto flush = [&] {
      if (sent_ok && PQputCopyData(c.conn, buf.data(), static_cast<int>(buf.size())) != 1) sent_ok = false;
      buf.clear();
    };
    try {
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const R& r = *rows[i];
        detail::pg::write_be(buf, columns, 2);
        // the field in hand is noted rather than each wrapped in with_field_context: the row's
        // encoding then inlines into this loop, and a failure is named as it would have been
        std::size_t field = 0;
        try {
          detail::for_each_field(r, [&](auto f, const auto& v) {
            field = f;
            detail::visit_stored(v, [&](auto x) { detail::pg::copy_field(buf, t.stored[f], x); });
          });
        } catch (...) {
          detail::with_field_context(s, field, detail::make_key_ref(record_info<R>::key_of(r)), [] { throw; });
        }
        if (with_seq) {
          detail::pg::write_be(buf, 8, 4);
          detail::pg::write_be(buf, i, 8);
        }
        if (buf.size() >= (1u << 18)) flush();
      }
    } catch (...) {
      PQputCopyEnd(c.conn, "stowage: a record of the batch cannot be stored");
      detail::pg::drain(c.conn);
      throw;
    }
    detail::pg::write_be(buf, 0xFFFF, 2);  // the trailer: a tuple of -1 fields
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
        std::size_t n = std::strtoull(line + 7, nullptr, 10);
        if (n >= 1 && n <= rows.size()) key = detail::make_key_ref(record_info<R>::key_of(*rows[n - 1]));
      }
    }
    const char* state = PQresultErrorField(done.get(), PG_DIAG_SQLSTATE);
    const char* constraint = PQresultErrorField(done.get(), PG_DIAG_CONSTRAINT_NAME);
    bool existing = state && std::string_view(state) == "23505" && constraint && t.primary_key == constraint;
    return copy_failure{error_of(c, done.get(), "cannot write a record of a batch", &s, key), existing};
  }

  static constexpr std::size_t max_cached_queries = 128;
  static constexpr std::size_t copy_threshold = 64;  // from here on a batch goes by COPY
  static constexpr std::size_t probes = 4;           // keys of a COPY batch looked up first

  detail::pg::pool pool_;
  std::mutex tables_mutex_;
  std::deque<std::unique_ptr<table_state>> tables_;
  std::mutex sessions_mutex_;
  std::unordered_map<std::thread::id, session> sessions_;
  std::uint64_t session_counter_ = 0;
  std::atomic<std::uint64_t> query_counter_{0};
  std::atomic<std::uint64_t> generation_counter_{0};
};

}  // namespace stowage
