// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE query_spec::query_spec(expr f) : filter(std::move(f)) {}
STOWAGE_INLINE query_spec::query_spec(const query_spec&) = default;
STOWAGE_INLINE query_spec& query_spec::operator=(const query_spec&) = default;
STOWAGE_INLINE query_spec::query_spec(query_spec&&) noexcept = default;
STOWAGE_INLINE query_spec& query_spec::operator=(query_spec&&) noexcept = default;
STOWAGE_INLINE query_spec::~query_spec() = default;

STOWAGE_INLINE void check_sub_queries(const expr& e, const void* backend) {
  for (const auto& c : e.children) check_sub_queries(c, backend);
  if (!e.sub) return;
  if (e.sub->backend != backend)
    throw bad_input_error("a sub-query given to in() reads a table of another database than the query holding it",
                          context_of(*e.sub->schema));
  if (e.sub->filter) check_sub_queries(*e.sub->filter, backend);
}

}  // namespace stowage::detail
