// Type-erased field codecs: how a field's bytes in a record become one stored value (a cell) and
// back. There is one codec per field *type* (int, std::string, a time point, a JSON document...),
// shared by every record and every backend, so a record costs the compiler a table of pointers
// rather than a copy of each backend's binding and decoding code. Backends walk that table with
// plain functions (record.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <stowage/detail/config.hpp>
#include <stowage/record/column.hpp>

namespace stowage::detail {

/// One stored value on its way between a record and a backend, owning nothing: text and blob
/// bytes belong to the record, to a backend's buffer or to the caller's scratch string.
struct cell {
  enum class type : std::uint8_t { null, integer, real, text, blob };
  type t = type::null;
  /// The bytes outlive the operation (they belong to the record, or are static), so a backend
  /// may keep a pointer to them until the statement runs instead of copying them.
  bool stable = true;
  std::int64_t i = 0;
  double d = 0;
  const char* p = nullptr;  // text or blob bytes
  std::size_t n = 0;

  std::string_view text() const noexcept { return {p ? p : "", n}; }
  std::span<const std::byte> blob() const noexcept { return {reinterpret_cast<const std::byte*>(p), n}; }

  // setters that write only what the type uses: a codec fills one cell per field, row after row
  void set_null() noexcept { t = type::null; }
  void set_integer(std::int64_t v) noexcept {
    t = type::integer;
    i = v;
  }
  void set_real(double v) noexcept {
    t = type::real;
    d = v;
  }
  void set_bytes(type k, const char* data, std::size_t size, bool is_stable) noexcept {
    t = k;
    stable = is_stable;
    p = data;
    n = size;
  }

  static cell null() noexcept { return {}; }
  static cell integer(std::int64_t v) noexcept { return {type::integer, true, v, 0, nullptr, 0}; }
  static cell real(double v) noexcept { return {type::real, true, 0, v, nullptr, 0}; }
  static cell text(std::string_view s, bool stable = true) noexcept {
    return {type::text, stable, 0, 0, s.data(), s.size()};
  }
  static cell blob(std::span<const std::byte> b, bool stable = true) noexcept {
    return {type::blob, stable, 0, 0, reinterpret_cast<const char*>(b.data()), b.size()};
  }
};

/// How one field type is stored. encode writes the stored form of the field at `field` into
/// `out`, using `scratch` for bytes a conversion creates; decode reads a cell into the field at
/// `field`, reusing its buffers. Both throw codec_failure (or any std::exception from a user's
/// column_traits) for a value that cannot be stored or read.
struct field_codec {
  void (*encode)(const void* field, cell& out, std::string& scratch);
  void (*decode)(void* field, const cell& in);
};

const char* cell_type_word(cell::type t) noexcept;

[[noreturn]] void wrong_cell(const char* expected, cell::type found);

/// The cell's value as a storage type S (what column_traits<T>::from_storage takes).
template <class S>
S cell_as(const cell& c) {
  if constexpr (std::same_as<S, std::int64_t>) {
    if (c.t != cell::type::integer) wrong_cell("an integer", c.t);
    return c.i;
  } else if constexpr (std::same_as<S, double>) {
    if (c.t == cell::type::real) return c.d;
    if (c.t != cell::type::integer) wrong_cell("a number", c.t);
    return static_cast<double>(c.i);
  } else if constexpr (std::same_as<S, std::string>) {
    if (c.t != cell::type::text) wrong_cell("text", c.t);
    return std::string(c.text());
  } else {
    if (c.t != cell::type::blob) wrong_cell("a blob", c.t);
    auto b = c.blob();
    return bytes(b.begin(), b.end());
  }
}

template <class T>
void encode_column(const T& v, cell& out, std::string& scratch) {
  using traits = column_traits<T>;
  using S = typename traits::storage_type;
  decltype(auto) s = traits::to_storage(v);
  constexpr bool stable = std::is_lvalue_reference_v<decltype(traits::to_storage(v))>;
  if constexpr (std::same_as<S, std::string>) {
    if constexpr (stable || std::same_as<std::remove_cvref_t<decltype(s)>, std::string_view>) {
      std::string_view text(s);
      out.set_bytes(cell::type::text, text.data(), text.size(), stable);
    } else {
      scratch = std::move(s);
      out.set_bytes(cell::type::text, scratch.data(), scratch.size(), false);
    }
  } else if constexpr (std::same_as<S, bytes>) {
    std::span<const std::byte> b(s);
    if constexpr (stable) {
      out.set_bytes(cell::type::blob, reinterpret_cast<const char*>(b.data()), b.size(), true);
    } else {
      scratch.assign(reinterpret_cast<const char*>(b.data()), b.size());
      out.set_bytes(cell::type::blob, scratch.data(), scratch.size(), false);
    }
  } else if constexpr (std::same_as<S, double>) {
    out.set_real(static_cast<double>(s));
  } else {
    out.set_integer(static_cast<std::int64_t>(s));
  }
}

/// A column value made from a cell.
template <class T>
T make_column(const cell& in) {
  using traits = column_traits<T>;
  return traits::from_storage(cell_as<typename traits::storage_type>(in));
}

/// Reads a cell into a column value; text and blobs go into the field's own buffer.
template <class T>
void decode_column(T& f, const cell& in) {
  if constexpr (std::same_as<T, std::string>) {
    if (in.t != cell::type::text) wrong_cell("text", in.t);
    // an empty field (a record just built) or one without room for the text is made again in
    // place, constructed to size: cheaper than assign's replace path, or than constructing a
    // string and moving it in; a field with room (a query's record read again) keeps its buffer
    if (f.empty() || in.n > f.capacity()) {
      f.~basic_string();
      try {
        ::new (static_cast<void*>(&f)) std::string(in.p ? in.p : "", in.n);
      } catch (...) {
        ::new (static_cast<void*>(&f)) std::string();  // the record stays destructible
        throw;
      }
    } else {
      f.assign(in.p ? in.p : "", in.n);
    }
  } else if constexpr (std::same_as<T, bytes>) {
    if (in.t != cell::type::blob) wrong_cell("a blob", in.t);
    auto b = in.blob();
    f.assign(b.begin(), b.end());
  } else {
    f = make_column<T>(in);
  }
}

template <class F>
void encode_field_of(const void* field, cell& out, std::string& scratch) {
  const F& v = *static_cast<const F*>(field);
  if constexpr (field_info<F>::nullable) {
    if (!v)
      out.set_null();
    else
      encode_column(*v, out, scratch);
  } else {
    encode_column(v, out, scratch);
  }
}

[[noreturn]] void null_in_required_field();

template <class F>
void decode_field_of(void* field, const cell& in) {
  F& f = *static_cast<F*>(field);
  if constexpr (field_info<F>::nullable) {
    using T = typename field_info<F>::column_type;
    if (in.t == cell::type::null)
      f.reset();
    else if (f)
      decode_column(*f, in);
    else
      f.emplace(make_column<T>(in));
  } else {
    if (in.t == cell::type::null) null_in_required_field();
    decode_column(f, in);
  }
}

/// The codec functions of field type F.
template <class F>
void encode_typed(const void* field, cell& out, std::string& scratch) {
  encode_field_of<F>(field, out, scratch);
}
template <class F>
void decode_typed(void* field, const cell& in) {
  decode_field_of<F>(field, in);
}

// The codecs of the most common field types are compiled with the rest of the implementation
// (once, when stowage is compiled separately), not in every translation unit that stores them.
template <>
void encode_typed<std::string>(const void*, cell&, std::string&);
template <>
void decode_typed<std::string>(void*, const cell&);
template <>
void encode_typed<std::optional<std::string>>(const void*, cell&, std::string&);
template <>
void decode_typed<std::optional<std::string>>(void*, const cell&);
template <>
void encode_typed<std::int64_t>(const void*, cell&, std::string&);
template <>
void decode_typed<std::int64_t>(void*, const cell&);
template <>
void encode_typed<std::optional<std::int64_t>>(const void*, cell&, std::string&);
template <>
void decode_typed<std::optional<std::int64_t>>(void*, const cell&);
template <>
void encode_typed<std::int32_t>(const void*, cell&, std::string&);
template <>
void decode_typed<std::int32_t>(void*, const cell&);
template <>
void encode_typed<double>(const void*, cell&, std::string&);
template <>
void decode_typed<double>(void*, const cell&);
template <>
void encode_typed<std::optional<double>>(const void*, cell&, std::string&);
template <>
void decode_typed<std::optional<double>>(void*, const cell&);
template <>
void encode_typed<bool>(const void*, cell&, std::string&);
template <>
void decode_typed<bool>(void*, const cell&);
template <>
void encode_typed<timestamp>(const void*, cell&, std::string&);
template <>
void decode_typed<timestamp>(void*, const cell&);
template <>
void encode_typed<bytes>(const void*, cell&, std::string&);
template <>
void decode_typed<bytes>(void*, const cell&);

/// The codec of field type F: one per type in a program.
template <class F>
inline constexpr field_codec codec_of{&encode_typed<F>, &decode_typed<F>};

/// A cell as an owning value, and back (the cell then refers to the value's bytes).
value to_value(const cell& c);
inline cell cell_of(const value& v) noexcept {
  switch (v.index()) {
    case 1: return cell::integer(*std::get_if<1>(&v));
    case 2: return cell::real(*std::get_if<2>(&v));
    case 3: return cell::text(*std::get_if<3>(&v));
    case 4: return cell::blob(*std::get_if<4>(&v));
    default: return cell::null();
  }
}

/// A field value as a stored value, through its codec.
template <class T>
value to_value(const T& v) {
  cell c;
  std::string scratch;
  codec_of<T>.encode(&v, c, scratch);
  return to_value(c);
}

template <class T>
T from_value(const value& v) {
  cell c = cell_of(v);
  if constexpr (field_info<T>::nullable) {
    if (c.t == cell::type::null) return std::nullopt;
    return T(make_column<typename field_info<T>::column_type>(c));
  } else {
    if (c.t == cell::type::null) null_in_required_field();
    return make_column<T>(c);
  }
}

}  // namespace stowage::detail

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/record/impl/codec.ipp>
#endif
