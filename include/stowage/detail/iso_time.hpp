// UTC timestamps as ISO 8601 text with microseconds: 2026-11-22T23:53:33.123456Z.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stowage/detail/config.hpp>
#include <string>
#include <string_view>

namespace stowage::detail {

// Days since 1970-01-01 for a proleptic Gregorian date, and back (Howard Hinnant's algorithms).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month, day;
};

constexpr civil_date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

std::string format_iso_utc(std::int64_t micros);

/// Parses what format_iso_utc writes (the fraction may have 0 to 6 digits); nullopt otherwise.
std::optional<std::int64_t> parse_iso_utc(std::string_view s);

}  // namespace stowage::detail

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/detail/impl/iso_time.ipp>
#endif
