// The UUID generator and text forms (uuid.hpp).
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/random.h>  // getentropy
#endif

#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>

#include <stowage/detail/hex.hpp>
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
  // 8-4-4-4-12 digits: the 16 bytes in groups of 4, 2, 2, 2 and 6
  std::string s(36, '-');
  detail::write_hex(id.data, 4, &s[0]);
  detail::write_hex(id.data + 4, 2, &s[9]);
  detail::write_hex(id.data + 6, 2, &s[14]);
  detail::write_hex(id.data + 8, 2, &s[19]);
  detail::write_hex(id.data + 10, 6, &s[24]);
  return s;
}

STOWAGE_INLINE std::optional<uuid> parse_uuid(std::string_view text) noexcept {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') return std::nullopt;
  uuid id{};
  if (detail::read_hex(text.substr(0, 8), id.data, 4) && detail::read_hex(text.substr(9, 4), id.data + 4, 2) &&
      detail::read_hex(text.substr(14, 4), id.data + 6, 2) && detail::read_hex(text.substr(19, 4), id.data + 8, 2) &&
      detail::read_hex(text.substr(24, 12), id.data + 10, 6))
    return id;
  return std::nullopt;
}

namespace detail {
[[noreturn]] STOWAGE_INLINE void stored_uuid_invalid(std::string_view text) {
  constexpr std::size_t max = 64;
  throw codec_failure{error_kind::corrupt, "stored text '" + std::string(text.substr(0, max)) +
                                               (text.size() > max ? "...'" : "'") + " is no UUID"};
}
}  // namespace detail

}  // namespace stowage
