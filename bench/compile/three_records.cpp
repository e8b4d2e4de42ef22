// Compile-cost unit 2: three records on two backends, SQLite and json_dir (json_dir needs only
// nlohmann_json, which the tests need anyway), each record with put, get and one query loop on
// both. Built with -DSTOWAGE_BENCH_DEPS_ONLY=<header>: only the headers stowage includes here.
#ifdef STOWAGE_BENCH_DEPS_ONLY
#include STOWAGE_BENCH_DEPS_ONLY
#else
#include <stowage/json_dir.hpp>
#include <stowage/sqlite.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct Customer {
  BOOST_HANA_DEFINE_STRUCT(Customer,
    (std::int64_t, id),
    (std::string, name),
    (std::string, email),
    (std::optional<std::string>, region));
};

struct Order {
  BOOST_HANA_DEFINE_STRUCT(Order,
    (std::string, id),
    (std::int64_t, customer),
    (double, total),
    (stowage::timestamp, placed),
    (bool, paid));
};

struct Product {
  BOOST_HANA_DEFINE_STRUCT(Product,
    (std::string, sku),
    (std::string, title),
    (std::int32_t, stock),
    (float, weight));
};

template <>
struct stowage::record_traits<Product> {
  static constexpr std::string_view table = "products";
  static constexpr auto key = &Product::sku;
};

template <class Backend>
int use(const char* url) {
  stowage::database<Backend> db{url};
  auto customers = db.template table<Customer>();
  auto orders = db.template table<Order>();
  auto products = db.template table<Product>();
  customers.put({1, "Ada", "ada@example.com", "eu"});
  orders.put({"o-1", 1, 9.5, stowage::timestamp{}, false});
  products.put({"p-1", "Lamp", 4, 1.25f});
  int n = 0;
  n += customers.get(1) ? 1 : 0;
  n += orders.get("o-1") ? 1 : 0;
  n += products.get("p-1") ? 1 : 0;
  for (const Customer& c : customers.query(stowage::where<&Customer::region> == "eu")) n += c.name.size() > 0;
  // the parentheses keep clang-format from reading "> >" as a shift
  for (const Order& o : orders.query((stowage::where<&Order::total>) > 5.0)) n += o.paid;
  for (const Product& p : products.query(stowage::where<&Product::stock> < 10)) n += p.stock;
  return n;
}

int bench_three_records() {
  return use<stowage::sqlite>(":memory:") + use<stowage::json_dir>("dir:bench_three_records");
}
#endif
