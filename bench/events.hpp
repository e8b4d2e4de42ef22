// The record and the data set that sqlite_bench and json_dir_bench share: an event with an int64
// key, two short strings, an int64 time (indexed) and a ~200-byte payload of JSON text.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <stowage/stowage.hpp>

struct Event {
  BOOST_HANA_DEFINE_STRUCT(Event,
    (std::int64_t, id),
    (std::string, schema),
    (std::string, producer),
    (std::int64_t, time),
    (std::string, payload));  // JSON text (json_dir stores it in the file as a JSON string)
};

template <>
struct stowage::record_traits<Event> {
  static constexpr std::string_view table = "events";
  using indexes = std::tuple<stowage::index<&Event::time>>;
};

namespace bench_events {

struct data_set {
  std::vector<Event> events;        // in key order, as inserted
  std::vector<std::int64_t> probe;  // every key once, shuffled
  std::int64_t lo = 0, hi = 0;      // time range holding 10% of the rows
  std::size_t range_rows = 0;
};

/// n events with keys 1..n, the same on every run.
inline data_set make_data(std::size_t n) {
  static constexpr std::string_view schemas[] = {"order.created.v1", "order.shipped.v2", "payment.settled1",
                                                 "invoice.issued.3", "cart.abandoned.1", "stock.adjusted.1",
                                                 "user.registered1", "refund.granted.2"};
  static constexpr std::string_view regions[] = {"eu", "us", "ap", "sa"};
  static constexpr std::string_view currencies[] = {"EUR", "USD", "JPY", "BRL"};
  std::mt19937_64 rng(20240611);
  data_set d;
  d.events.reserve(n);
  const std::int64_t t0 = 1'700'000'000'000'000;  // microseconds
  char buf[512];
  for (std::size_t i = 0; i < n; ++i) {
    Event e;
    e.id = static_cast<std::int64_t>(i) + 1;
    e.schema = schemas[rng() % std::size(schemas)];
    std::snprintf(buf, sizeof buf, "%s-shop-%04u", std::string(regions[rng() % 4]).c_str(),
                  static_cast<unsigned>(rng() % 10000));
    e.producer = buf;  // 12 characters
    // events arrive roughly in time order, with a few milliseconds of jitter
    e.time = t0 + static_cast<std::int64_t>(i) * 1000 + static_cast<std::int64_t>(rng() % 5000);
    int len = std::snprintf(
        buf, sizeof buf,
        R"({"order":%u,"customer":"c-%07u","currency":"%s","total":%u.%02u,"items":[)"
        R"({"sku":"sku-%05u","qty":%u,"price":%u.%02u},{"sku":"sku-%05u","qty":%u,"price":%u.%02u}],)"
        R"("channel":"web","note":")",
        static_cast<unsigned>(rng() % 1000000), static_cast<unsigned>(rng() % 10000000),
        std::string(currencies[rng() % 4]).c_str(), static_cast<unsigned>(rng() % 1000),
        static_cast<unsigned>(rng() % 100), static_cast<unsigned>(rng() % 100000), static_cast<unsigned>(1 + rng() % 9),
        static_cast<unsigned>(rng() % 500), static_cast<unsigned>(rng() % 100), static_cast<unsigned>(rng() % 100000),
        static_cast<unsigned>(1 + rng() % 9), static_cast<unsigned>(rng() % 500), static_cast<unsigned>(rng() % 100));
    e.payload.assign(buf, static_cast<std::size_t>(len));
    while (e.payload.size() < 196) e.payload += static_cast<char>('a' + rng() % 26);  // pad to ~200 bytes
    e.payload += "\"}";
    d.events.push_back(std::move(e));
  }
  d.probe.reserve(n);
  for (const Event& e : d.events) d.probe.push_back(e.id);
  std::shuffle(d.probe.begin(), d.probe.end(), rng);

  std::vector<std::int64_t> times;
  times.reserve(n);
  for (const Event& e : d.events) times.push_back(e.time);
  std::sort(times.begin(), times.end());
  d.lo = times[n * 45 / 100];
  d.hi = times[n * 45 / 100 + n / 10];
  d.range_rows = static_cast<std::size_t>(
      std::count_if(times.begin(), times.end(), [&](std::int64_t t) { return t >= d.lo && t < d.hi; }));
  return d;
}

/// A cheap fold of a record, so that neither side's reads can be optimized away and both sides
/// can be checked to read the same data.
inline std::uint64_t digest(const Event& e) {
  auto byte = [](const std::string& s, std::size_t i) -> std::uint64_t {
    return s.empty() ? 0 : static_cast<unsigned char>(s[i % s.size()]);
  };
  return static_cast<std::uint64_t>(e.id) * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(e.time) +
         (e.schema.size() << 8) + (e.producer.size() << 16) + (e.payload.size() << 24) + byte(e.schema, 9) +
         (byte(e.producer, 7) << 32) + (byte(e.payload, e.payload.size() / 2) << 40);
}

}  // namespace bench_events
