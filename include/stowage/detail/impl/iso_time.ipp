// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE std::string format_iso_utc(std::int64_t micros) {
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

STOWAGE_INLINE std::optional<std::int64_t> parse_iso_utc(std::string_view s) {
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
