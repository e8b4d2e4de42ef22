// What a query asks for, independent of the record type: filter, order, offset and limit.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <stowage/query/predicate.hpp>

namespace stowage::detail {

struct order_term {
  std::size_t field;
  direction dir;
};

struct query_spec {
  std::optional<expr> filter;
  std::vector<order_term> order;
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> limit;
};

}  // namespace stowage::detail
