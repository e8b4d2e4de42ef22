// Compiled where <stowage/detail/config.hpp> says: in each translation unit (header-only), or once.
#pragma once

namespace stowage {

[[noreturn]] STOWAGE_INLINE void throw_error(error_kind kind, std::string_view summary, error_context ctx) {
  switch (kind) {
    case error_kind::not_found: throw not_found_error(summary, std::move(ctx));
    case error_kind::conflict: throw conflict_error(summary, std::move(ctx));
    case error_kind::constraint: throw constraint_error(summary, std::move(ctx));
    case error_kind::bad_input: throw bad_input_error(summary, std::move(ctx));
    case error_kind::unavailable: throw unavailable_error(summary, std::move(ctx));
    case error_kind::corrupt: throw corrupt_error(summary, std::move(ctx));
    case error_kind::schema: throw schema_error(summary, std::move(ctx));
    case error_kind::internal: break;
  }
  throw internal_error(summary, std::move(ctx));
}

}  // namespace stowage
namespace stowage {

STOWAGE_INLINE std::string error::compose(error_kind kind, std::string_view summary, const error_context& c) {
  std::string m = "stowage: ";
  m += to_string(kind);
  if (!summary.empty()) one_line(m.append(": "), summary);
  if (!c.record.empty()) one_line(m.append("; record "), c.record);
  if (!c.table.empty()) one_line(m.append(" (table "), c.table).append(")");
  if (!c.key.empty()) escaped(m.append(", key "), c.key);
  if (!c.backend_message.empty()) one_line(m.append("; backend says: "), c.backend_message);
  return m;
}

STOWAGE_INLINE std::string& error::one_line(std::string& m, std::string_view part) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  for (std::size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (c == '\n' || c == '\r') {
      std::size_t j = i;
      while (j < part.size() && (part[j] == '\n' || part[j] == '\r')) ++j;
      bool continued = j < part.size() && (part[j] == ' ' || part[j] == '\t');
      while (j < part.size() && space(part[j])) ++j;
      if (j == part.size()) break;
      m += continued ? " " : "; ";
      i = j - 1;
    } else {
      m += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    }
  }
  return m;
}

STOWAGE_INLINE std::string& error::escaped(std::string& m, std::string_view key) {
  static constexpr char hex[] = "0123456789abcdef";
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      m += "\\x";
      m += hex[u >> 4];
      m += hex[u & 15];
    } else {
      m += c;
    }
  }
  return m;
}
}  // namespace stowage
