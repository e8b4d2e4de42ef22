// The UUID generator and text forms (uuid.hpp).
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/random.h>  // getentropy
#endif

#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>

#include <stowage/error.hpp>

namespace stowage {

namespace detail {

/// The generator's state: the last id's time and random part, and the process it belongs to.
/// The random bits come from the operating system (getentropy), read 256 bytes at a time, so
/// that an id does not tell the next ones; std::random_device stands in only where the system
/// refuses.
struct uuid_clock {
  std::mutex mutex;
  pid_t pid = -1;
  std::int64_t last_ms = -1;
  std::uint64_t high = 0;  // the 12 bits after the version (rand_a)
  std::uint64_t low = 0;   // the 62 bits after the variant (rand_b)
  unsigned char pool[256];
  std::size_t used = sizeof pool;

  std::uint64_t random() {
    if (used + 8 > sizeof pool) refill();
    std::uint64_t v;
    std::memcpy(&v, pool + used, 8);
    used += 8;
    return v;
  }

  void refill() {
    if (::getentropy(pool, sizeof pool) != 0) {
      std::random_device device;
      for (std::size_t i = 0; i < sizeof pool; i += 4) {
        const std::uint32_t v = device();
        std::memcpy(pool + i, &v, 4);
      }
    }
    used = 0;
  }

  void forked() {  // first use, or a forked child: nothing the parent drew is used again
    used = sizeof pool;
    pid = ::getpid();
    last_ms = -1;
  }
};

}  // namespace detail

STOWAGE_INLINE uuid new_uuid() {
  static detail::uuid_clock clock;
  constexpr std::uint64_t low_mask = (std::uint64_t{1} << 62) - 1;
  const auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::uint64_t ms, high, low;
  {
    std::lock_guard lock(clock.mutex);
    if (clock.pid != ::getpid()) clock.forked();
    if (now > clock.last_ms) {
      clock.last_ms = now;
      // the top bit of the random part is left clear, so that counting up within a millisecond
      // rarely carries into the time
      clock.high = clock.random() & 0x7ff;
      clock.low = clock.random() & low_mask;
    } else {
      // the same millisecond, or the clock stepped back: count up from the last id by a random
      // step, carrying into the time when the 74 bits are exhausted
      clock.low += 1 + (clock.random() & 0xffffffff);
      if (clock.low > low_mask) {
        clock.low &= low_mask;
        if (++clock.high > 0xfff) {
          clock.high = clock.random() & 0x7ff;
          ++clock.last_ms;
        }
      }
    }
    ms = static_cast<std::uint64_t>(clock.last_ms);
    high = clock.high;
    low = clock.low;
  }
  uuid id{};
  for (int i = 0; i < 6; ++i) id.data[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  id.data[6] = static_cast<std::uint8_t>(0x70 | (high >> 8));  // version 7
  id.data[7] = static_cast<std::uint8_t>(high);
  id.data[8] = static_cast<std::uint8_t>(0x80 | (low >> 56));  // variant 10
  for (int i = 9; i < 16; ++i) id.data[i] = static_cast<std::uint8_t>(low >> (8 * (15 - i)));
  return id;
}

STOWAGE_INLINE std::chrono::sys_time<std::chrono::milliseconds> uuid_time(const uuid& id) noexcept {
  std::int64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = (ms << 8) | id.data[i];
  return std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms));
}

STOWAGE_INLINE std::string uuid_text(const uuid& id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += digits[id.data[i] >> 4];
    s += digits[id.data[i] & 15];
  }
  return s;
}

STOWAGE_INLINE std::optional<uuid> parse_uuid(std::string_view text) noexcept {
  if (text.size() != 36) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  uuid id{};
  std::size_t at = 0;
  for (int i = 0; i < 16; ++i) {
    if (at == 8 || at == 13 || at == 18 || at == 23) {
      if (text[at] != '-') return std::nullopt;
      ++at;
    }
    int hi = nibble(text[at]), lo = nibble(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.data[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    at += 2;
  }
  return id;
}

namespace detail {
[[noreturn]] STOWAGE_INLINE void stored_uuid_invalid(std::string_view text) {
  constexpr std::size_t max = 64;
  throw codec_failure{error_kind::corrupt, "stored text '" + std::string(text.substr(0, max)) +
                                               (text.size() > max ? "...'" : "'") + " is no UUID"};
}
}  // namespace detail

}  // namespace stowage
