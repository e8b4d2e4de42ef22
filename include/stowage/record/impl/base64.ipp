// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE std::string base64_encode(std::span<const std::byte> in) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = std::to_integer<unsigned>(in[i]) << 16 | std::to_integer<unsigned>(in[i + 1]) << 8 |
                 std::to_integer<unsigned>(in[i + 2]);
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += alphabet[n >> 6 & 63];
    out += alphabet[n & 63];
  }
  if (i < in.size()) {
    unsigned n = std::to_integer<unsigned>(in[i]) << 16;
    if (i + 1 < in.size()) n |= std::to_integer<unsigned>(in[i + 1]) << 8;
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += i + 1 < in.size() ? alphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

STOWAGE_INLINE bytes base64_decode(std::string_view in) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0)
    throw codec_failure{error_kind::corrupt, "base64 text has a length that is not a multiple of 4"};
  bytes out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    int s[4];
    for (int k = 0; k < 4; ++k) {
      char c = in[i + static_cast<std::size_t>(k)];
      s[k] = (c == '=' && i + 4 == in.size() && k >= 2) ? 0 : sextet(c);
      if (s[k] < 0) throw codec_failure{error_kind::corrupt, "invalid character in base64 text"};
    }
    unsigned n = static_cast<unsigned>(s[0] << 18 | s[1] << 12 | s[2] << 6 | s[3]);
    out.push_back(static_cast<std::byte>(n >> 16 & 0xFF));
    if (in[i + 2] != '=') out.push_back(static_cast<std::byte>(n >> 8 & 0xFF));
    if (in[i + 3] != '=') out.push_back(static_cast<std::byte>(n & 0xFF));
  }
  return out;
}

}  // namespace stowage::detail
