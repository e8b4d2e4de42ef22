// Records the conformance suite stores.
#pragma once

#include <stowage/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

enum class color { red, green, blue };
enum class level : std::uint8_t { none = 0, low = 1, high = 200 };

struct point {
  BOOST_HANA_DEFINE_STRUCT(point, (int, x), (int, y), (std::optional<std::string>, label));
  friend bool operator==(const point&, const point&) = default;
};

/// A user type stored through the column_traits customization point.
struct money {
  std::int64_t cents = 0;
  friend bool operator==(const money&, const money&) = default;
};

struct every_type {
  BOOST_HANA_DEFINE_STRUCT(every_type,
    (std::string, id),
    (std::int8_t, i8), (std::int16_t, i16), (std::int32_t, i32), (std::int64_t, i64),
    (std::uint8_t, u8), (std::uint16_t, u16), (std::uint32_t, u32), (std::uint64_t, u64),
    (float, f32), (double, f64), (bool, flag),
    (std::string, text), (stowage::bytes, blob),
    (stowage::timestamp, at), (std::chrono::system_clock::time_point, at_ns),
    (color, hue), (level, lvl),
    (nlohmann::json, doc), (point, where), (std::vector<point>, path), (std::vector<std::string>, tags),
    (money, price),
    (std::optional<std::int64_t>, maybe_int), (std::optional<double>, maybe_real),
    (std::optional<std::string>, maybe_text), (std::optional<stowage::bytes>, maybe_blob),
    (std::optional<stowage::timestamp>, maybe_at), (std::optional<color>, maybe_hue),
    (std::optional<bool>, maybe_flag), (std::optional<point>, maybe_point));
  friend bool operator==(const every_type&, const every_type&) = default;
};

/// A small record for queries: one row per item.
struct item {
  BOOST_HANA_DEFINE_STRUCT(item,
    (std::int64_t, id),
    (std::string, name),
    (std::int64_t, rank),
    (double, score),
    (std::optional<std::int64_t>, group),
    (std::optional<std::string>, note),
    (bool, active));
  friend bool operator==(const item&, const item&) = default;
};

struct account {
  BOOST_HANA_DEFINE_STRUCT(account,
    (std::string, id),
    (std::string, email),
    (std::optional<std::string>, external_id),
    (std::int64_t, balance));
  friend bool operator==(const account&, const account&) = default;
};

}  // namespace conformance

template <>
struct stowage::column_traits<conformance::money> {
  using storage_type = std::int64_t;
  static std::int64_t to_storage(const conformance::money& m) { return m.cents; }
  static conformance::money from_storage(std::int64_t c) { return {c}; }
};

template <>
struct stowage::record_traits<conformance::item> {
  static constexpr std::string_view table = "items";
  using indexes = std::tuple<stowage::index<&conformance::item::rank>,
                             stowage::index<&conformance::item::group, &conformance::item::score>>;
};

template <>
struct stowage::record_traits<conformance::account> {
  static constexpr std::string_view table = "accounts";
  using indexes =
      std::tuple<stowage::unique<&conformance::account::email>, stowage::unique<&conformance::account::external_id>>;
};

// Catch prints records as JSON when an assertion on them fails.
#include <catch2/catch.hpp>
namespace Catch {
template <class T>
requires boost::hana::Struct<T>::value struct StringMaker<T> {
  static std::string convert(const T& v) { return stowage::detail::to_json(v).dump(); }
};
template <class T>
requires boost::hana::Struct<T>::value struct StringMaker<std::optional<T>> {
  static std::string convert(const std::optional<T>& v) { return v ? StringMaker<T>::convert(*v) : "nullopt"; }
};
}  // namespace Catch
