// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE query_spec::query_spec(expr f) : filter(std::move(f)) {}
STOWAGE_INLINE query_spec::query_spec(const query_spec&) = default;
STOWAGE_INLINE query_spec& query_spec::operator=(const query_spec&) = default;
STOWAGE_INLINE query_spec::query_spec(query_spec&&) noexcept = default;
STOWAGE_INLINE query_spec& query_spec::operator=(query_spec&&) noexcept = default;
STOWAGE_INLINE query_spec::~query_spec() = default;

}  // namespace stowage::detail
