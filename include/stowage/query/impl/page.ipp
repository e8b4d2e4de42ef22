// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

// A token is base64url text (RFC 4648 section 5, unpadded) of these bytes:
//
//   version (1)  table tag (4)  shape tag (4)  one value per order term  check (8)
//
// The tags are hashes of the table's name and of the query's shape (its order terms and its
// filter, values included, or the description of the filter that the query names instead); a
// value is a type byte (0 NULL, 1 integer, 2 real, 3 text, 4 blob) and its bytes (8 little-endian
// for numbers, a LEB128 length and the bytes for text and blobs); the check is a hash of
// everything before it. FNV-1a is no protection against someone who forges tokens on purpose (the
// values in a token are only ever bound as parameters, so a forged one can only seek elsewhere in
// the same query); it catches the mistakes: a token altered, cut short, or given to another table
// or query.
namespace page_tokens {

inline constexpr std::uint8_t version = 1;
inline constexpr std::size_t header_size = 9, check_size = 8;

inline std::uint64_t fnv1a(std::string_view data, std::uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

inline void put_u64(std::string& out, std::uint64_t v, std::size_t bytes = 8) {
  for (std::size_t i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

inline void put_length(std::string& out, std::uint64_t n) {
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7F) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
}

inline void put_value(std::string& out, const value& v) {
  out += static_cast<char>(v.index());
  switch (v.index()) {
    case 1: put_u64(out, static_cast<std::uint64_t>(std::get<1>(v))); break;
    case 2: {
      std::uint64_t bits;
      double d = std::get<2>(v);
      std::memcpy(&bits, &d, sizeof bits);
      put_u64(out, bits);
      break;
    }
    case 3:
      put_length(out, std::get<3>(v).size());
      out += std::get<3>(v);
      break;
    case 4: {
      const auto& b = std::get<4>(v);
      put_length(out, b.size());
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      break;
    }
    default: break;
  }
}

/// Reads from untrusted bytes: every read checks what is left first.
class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}
  bool done() const noexcept { return pos_ == in_.size(); }

  bool u64(std::uint64_t& v, std::size_t bytes = 8) {
    if (in_.size() - pos_ < bytes) return false;
    v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v |= std::uint64_t(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
    pos_ += bytes;
    return true;
  }
  bool length(std::uint64_t& n) {
    n = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (pos_ == in_.size()) return false;
      auto c = static_cast<unsigned char>(in_[pos_++]);
      n |= std::uint64_t(c & 0x7F) << shift;
      if (!(c & 0x80)) return n <= in_.size() - pos_;  // a length never exceeds what follows
    }
    return false;
  }
  bool value_of(value& v) {
    if (pos_ == in_.size()) return false;
    const auto type = static_cast<unsigned char>(in_[pos_++]);
    std::uint64_t n = 0;
    switch (type) {
      case 0: v = std::monostate{}; return true;
      case 1:
        if (!u64(n)) return false;
        v = static_cast<std::int64_t>(n);
        return true;
      case 2: {
        if (!u64(n)) return false;
        double d;
        std::memcpy(&d, &n, sizeof d);
        v = d;
        return true;
      }
      case 3:
        if (!length(n)) return false;
        v = std::string(in_.substr(pos_, static_cast<std::size_t>(n)));
        pos_ += static_cast<std::size_t>(n);
        return true;
      case 4: {
        if (!length(n)) return false;
        auto first = reinterpret_cast<const std::byte*>(in_.data() + pos_);
        v = bytes(first, first + n);
        pos_ += static_cast<std::size_t>(n);
        return true;
      }
      default: return false;
    }
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

inline void put_expr(std::string& out, const expr& e) {
  out += static_cast<char>(e.kind);
  put_length(out, e.field);
  put_length(out, e.values.size());
  for (const value& v : e.values) put_value(out, v);
  put_length(out, e.children.size());
  for (const expr& c : e.children) put_expr(out, c);
  // a test inside a JSON field: its path, test and values
  put_length(out, e.path.size());
  for (const std::string& name : e.path) {
    put_length(out, name.size());
    out += name;
  }
  out += static_cast<char>(e.json_test);
  put_length(out, e.json_values.size());
  for (const json_scalar& v : e.json_values) {
    out += static_cast<char>(v.index());
    if (const bool* b = std::get_if<bool>(&v)) out += *b ? '1' : '0';
    if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) put_value(out, value(*i));
    if (const std::uint64_t* u = std::get_if<std::uint64_t>(&v)) put_value(out, value(std::to_string(*u)));
    if (const double* d = std::get_if<double>(&v)) put_value(out, value(*d));
    if (const std::string* t = std::get_if<std::string>(&v)) put_value(out, value(*t));
  }
  // a sub-query: its table, the column it selects and its filter (written only when there is
  // one, so that the tokens of queries without sub-queries keep their shape)
  if (const sub_query* q = e.sub.get()) {
    out += 'q';
    put_length(out, q->schema->table.size());
    out += q->schema->table;
    put_length(out, q->schema->columns[q->column].name.size());
    out += q->schema->columns[q->column].name;
    out += q->filter ? 'f' : '-';
    if (q->filter) put_expr(out, *q->filter);
  }
}

/// What a token must have been made for: the query's order terms (with the columns they name)
/// and its filter, or the description it was built from when the query names one.
inline std::string shape_of(const table_schema& s, const query_spec& q) {
  std::string out;
  put_length(out, q.order.size());
  for (const order_term& t : q.order) {
    put_length(out, t.field);
    out += t.dir == direction::asc ? 'a' : 'd';
    out += s.columns[t.field].name;
    out += '\0';
  }
  if (q.page_shape) {
    out += 's';
    put_length(out, q.page_shape->size());
    out += *q.page_shape;
  } else if (q.filter) {
    out += 'f';
    put_expr(out, *q.filter);
  }
  return out;
}

/// The variant index of the stored values of a column of this kind.
inline std::size_t stored_index(column_kind k) {
  switch (k) {
    case column_kind::real32:
    case column_kind::real64: return 2;
    case column_kind::text:
    case column_kind::json: return 3;
    case column_kind::blob: return 4;
    default: return 1;
  }
}

inline constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

inline std::string base64url(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::uint32_t bits = 0;
  int held = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    held += 8;
    while (held >= 6) {
      held -= 6;
      out += alphabet[(bits >> held) & 63];
    }
  }
  if (held > 0) out += alphabet[(bits << (6 - held)) & 63];
  return out;
}

/// The bytes of unpadded base64url text; false for anything else, including text whose last
/// character carries bits that no byte uses (so each byte string has exactly one token).
inline bool from_base64url(std::string_view in, std::string& out) {
  if (in.size() % 4 == 1) return false;
  std::uint32_t bits = 0;
  int held = 0;
  for (char ch : in) {
    int v = ch >= 'A' && ch <= 'Z'   ? ch - 'A'
            : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
            : ch >= '0' && ch <= '9' ? ch - '0' + 52
            : ch == '-'              ? 62
            : ch == '_'              ? 63
                                     : -1;
    if (v < 0) return false;
    bits = ((bits << 6) | static_cast<std::uint32_t>(v)) & 0xFFFFFF;
    held += 6;
    if (held >= 8) {
      held -= 8;
      out += static_cast<char>((bits >> held) & 0xFF);
    }
  }
  return (bits & ((1u << held) - 1)) == 0;
}

[[noreturn]] inline void refuse(const table_schema& s, std::string_view why) {
  throw bad_input_error("page token refused: " + std::string(why), context_of(s));
}

inline std::vector<value> read(const table_schema& s, const query_spec& paged, std::uint32_t paged_shape,
                               std::string_view token) {
  std::string b;
  if (!from_base64url(token, b))
    refuse(s, "it is not a page token (a token is the base64url text that page() returned, unchanged)");
  if (b.size() < header_size + check_size) refuse(s, "it is too short to be a page token (cut short?)");
  std::string_view body(b.data(), b.size() - check_size);
  reader tail(std::string_view(b).substr(body.size()));
  std::uint64_t check = 0;
  tail.u64(check);
  if (check != fnv1a(body)) refuse(s, "it was altered or cut short (its check value does not match)");
  reader r(body);
  std::uint64_t v = 0, table = 0, shape = 0;
  r.u64(v, 1);
  r.u64(table, 4);
  r.u64(shape, 4);
  if (v != version) refuse(s, "it was made by another version of stowage");
  if (table != (fnv1a(s.table) & 0xFFFFFFFF)) refuse(s, "it belongs to another table");
  if (shape != paged_shape)
    refuse(s,
           "it belongs to a query with another order or filter (a token continues only the query that gave it, "
           "with the same order_by and predicate)");
  std::vector<value> after(paged.order.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    const column_def& c = s.columns[paged.order[i].field];
    if (!r.value_of(after[i]) || (after[i].index() == 0 ? !c.nullable : after[i].index() != stored_index(c.kind)))
      refuse(s, "its values do not fit the fields of this query's order");
  }
  if (!r.done()) refuse(s, "it holds more values than this query's order has fields");
  return after;
}

}  // namespace page_tokens

STOWAGE_INLINE query_spec page_query(const table_schema& s, const query_spec& q, const std::string_view* token,
                                     std::uint64_t n, std::uint32_t& shape) {
  if (n == 0) throw bad_input_error("a page holds at least one record: page(0) asks for none", context_of(s));
  if (q.offset || q.limit)
    throw bad_input_error(
        "a query read a page at a time takes no offset() or limit(): the page size is its limit, the token its start",
        context_of(s));
  query_spec paged = q;
  bool keyed = false;
  for (const order_term& t : q.order) keyed = keyed || t.field == s.key;
  if (!keyed) paged.order.push_back({s.key, direction::asc});
  shape = static_cast<std::uint32_t>(page_tokens::fnv1a(page_tokens::shape_of(s, paged)) & 0xFFFFFFFF);
  if (token) paged.after = page_tokens::read(s, paged, shape, *token);
  paged.limit = n < std::numeric_limits<std::uint64_t>::max() ? n + 1 : n;
  return paged;
}

STOWAGE_INLINE std::string page_token(const table_schema& s, const query_spec& paged, std::uint32_t shape,
                                      const void* record) {
  using namespace page_tokens;
  std::string b;
  b += static_cast<char>(version);
  put_u64(b, fnv1a(s.table), 4);
  put_u64(b, shape, 4);
  cell c;
  std::string scratch;
  for (const order_term& t : paged.order) {
    encode_field(s, t.field, record, c, scratch);
    put_value(b, to_value(c));
  }
  put_u64(b, fnv1a(b));
  return base64url(b);
}

}  // namespace stowage::detail
