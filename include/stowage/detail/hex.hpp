// Lowercase hexadecimal text of bytes, and back: the form of UUIDs, SHA-256 digests and blob ids.
#pragma once

#include <cstddef>
#include <string_view>

namespace stowage::detail {

/// Writes the 2 * n lowercase hex digits of bytes[0, n) to out.
inline void write_hex(const unsigned char* bytes, std::size_t n, char* out) noexcept {
  constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
}

/// Reads text, 2 * n hex digits of either case, into bytes[0, n); false if text is not that.
inline bool read_hex(std::string_view text, unsigned char* bytes, std::size_t n) noexcept {
  if (text.size() != 2 * n) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return true;
}

}  // namespace stowage::detail
