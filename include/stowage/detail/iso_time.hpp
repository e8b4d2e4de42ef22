// UTC timestamps as ISO 8601 text with microseconds: 2026-11-22T23:53:33.123456Z.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
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

inline std::string format_iso_utc(std::int64_t micros) {
  constexpr std::int64_t per_day = 86'400'000'000;
  std::int64_t days = micros / per_day, rest = micros % per_day;
  if (rest < 0) rest += per_day, --days;
  civil_date c = civil_from_days(days);
  auto sec = rest / 1'000'000, us = rest % 1'000'000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(c.year),
                c.month, c.day, static_cast<long long>(sec / 3600), static_cast<long long>(sec / 60 % 60),
                static_cast<long long>(sec % 60), static_cast<long long>(us));
  return buf;
}

/// Parses what format_iso_utc writes (the fraction may have 0 to 6 digits); nullopt otherwise.
inline std::optional<std::int64_t> parse_iso_utc(std::string_view s) {
  auto number = [&](std::size_t pos, std::size_t len, std::int64_t& out) {
    if (pos + len > s.size()) return false;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  bool negative_year = !s.empty() && s[0] == '-';
  std::size_t y_len = s.find('-', negative_year ? 1 : 0);
  if (y_len == std::string_view::npos) return std::nullopt;
  std::int64_t y, mo, d, h, mi, se, frac = 0;
  if (!number(0, y_len, y) || s.size() < y_len + 16 || s[y_len] != '-' || !number(y_len + 1, 2, mo) ||
      s[y_len + 3] != '-' || !number(y_len + 4, 2, d) || s[y_len + 6] != 'T' || !number(y_len + 7, 2, h) ||
      s[y_len + 9] != ':' || !number(y_len + 10, 2, mi) || s[y_len + 12] != ':' || !number(y_len + 13, 2, se))
    return std::nullopt;
  std::size_t pos = y_len + 15;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 6) frac = frac * 10 + (s[pos++] - '0');
    for (std::size_t n = pos - start; n < 6; ++n) frac *= 10;
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return std::nullopt;
  // years beyond what 64-bit microseconds hold (about 292,000 on either side) would overflow
  if (y < -290'000 || y > 290'000) return std::nullopt;
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 86400 + h * 3600 + mi * 60 + se) * 1'000'000) + frac;
}

}  // namespace stowage::detail
