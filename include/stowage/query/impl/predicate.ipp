// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage::detail {

STOWAGE_INLINE expr::expr(op o, std::size_t f, std::vector<value> v, std::vector<expr> c)
    : kind(o), field(f), values(std::move(v)), children(std::move(c)) {}
STOWAGE_INLINE expr::expr(const expr&) = default;
STOWAGE_INLINE expr::expr(expr&&) noexcept = default;
STOWAGE_INLINE expr& expr::operator=(const expr&) = default;
STOWAGE_INLINE expr& expr::operator=(expr&&) noexcept = default;
STOWAGE_INLINE expr::~expr() = default;

STOWAGE_INLINE expr comparison(op o, std::size_t field, value v) {
  expr e{o, field, {}, {}};
  e.values.push_back(std::move(v));
  return e;
}

STOWAGE_INLINE expr comparison(op o, std::size_t field, std::vector<value> values) {
  return expr{o, field, std::move(values), {}};
}

STOWAGE_INLINE expr combination(op o, expr a, expr b) {
  expr e{o, 0, {}, {}};
  e.children.reserve(2);
  e.children.push_back(std::move(a));
  e.children.push_back(std::move(b));
  return e;
}

STOWAGE_INLINE expr negation(expr a) {
  expr e{op::not_, 0, {}, {}};
  e.children.push_back(std::move(a));
  return e;
}

STOWAGE_INLINE expr null_test(std::size_t field) { return expr{op::is_null, field, {}, {}}; }

STOWAGE_INLINE value text_value(std::string_view s) { return value(std::in_place_index<3>, s); }

STOWAGE_INLINE expr text_comparison(op o, std::size_t field, std::string_view s) {
  expr e{o, field, {}, {}};
  e.values.emplace_back(std::in_place_index<3>, s);
  return e;
}

STOWAGE_INLINE expr integer_comparison(op o, std::size_t field, std::int64_t v) {
  expr e{o, field, {}, {}};
  e.values.emplace_back(std::in_place_index<1>, v);
  return e;
}

STOWAGE_INLINE expr sub_query_comparison(std::size_t field, const table_schema& schema, std::size_t column,
                                         const std::optional<expr>& filter, bool limited, const void* backend,
                                         void* handle) {
  if (limited)
    throw bad_input_error("a sub-query given to in() selects a set: it takes no offset() or limit()",
                          context_of(schema));
  expr e{op::in_query, field, {}, {}};
  e.sub = std::make_shared<const sub_query>(sub_query{&schema, column, filter, backend, handle});
  return e;
}

STOWAGE_INLINE expr json_comparison(op test, std::size_t field, const std::vector<std::string>& path,
                                    std::vector<json_scalar> values) {
  expr e{op::json, field, {}, {}};
  e.json_test = test;
  e.path = path;
  e.json_values = std::move(values);
  return e;
}

STOWAGE_INLINE std::vector<std::string> json_pointer_of(std::string_view pointer, const table_schema& s,
                                                        std::size_t field) {
  std::string why;
  auto tokens = parse_json_pointer(pointer, why);
  if (!why.empty())
    throw bad_input_error(
        "field '" + std::string(s.columns[field].name) + "': '" + std::string(pointer) + "' is no JSON pointer: " + why,
        context_of(s));
  return tokens;
}

[[noreturn]] STOWAGE_INLINE void query_value_refused(const codec_failure& c) {
  throw_error(c.kind, "a query value cannot be compared: " + c.message);
}

}  // namespace stowage::detail
