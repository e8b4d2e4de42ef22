// Keyset (cursor) pagination: a query read a page at a time, each page ending with a token that
// says where the next one starts. The token holds the last record's values of the order fields
// and its key; the next page seeks strictly after them (query_spec::after), so records written
// or erased between pages are neither repeated nor skipped, and no page costs an OFFSET.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/error.hpp>
#include <stowage/query/query_spec.hpp>

namespace stowage {

/// One page of a query: its records in the query's order, and the token that continues after
/// them (query.page_after(*next, n)), empty when no record follows. Iterating a page iterates
/// its records.
template <class Record>
struct page {
  std::vector<Record> records;
  std::optional<std::string> next;

  auto begin() const noexcept { return records.begin(); }
  auto end() const noexcept { return records.end(); }
  std::size_t size() const noexcept { return records.size(); }
  bool empty() const noexcept { return records.empty(); }
};

namespace detail {

/// The query that reads one page of n records of q: q's order with the key added as the last
/// tie-breaker (unless q orders by it), after the position `token` holds (none: from the
/// start), limited to n + 1 rows, the last of which only says that a next page exists. A token
/// that is no token of this table and query shape, n = 0, or a q with its own offset or limit
/// is bad_input_error. `shape` is set to the hash of the paged query's shape, which a token
/// holds (computed once a page: page_token takes it).
query_spec page_query(const table_schema& s, const query_spec& q, const std::string_view* token, std::uint64_t n,
                      std::uint32_t& shape);

/// The token of the position of `record` (of the table's type), read with `paged`, a query
/// page_query made (whose shape it gave): the next page starts after it.
std::string page_token(const table_schema& s, const query_spec& paged, std::uint32_t shape, const void* record);

}  // namespace detail
}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/query/impl/page.ipp>
#endif
