// The exception hierarchy every stowage operation reports failures through.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace stowage {

/// What went wrong, independent of the backend that noticed it.
enum class error_kind {
  not_found,    ///< update of a record that does not exist
  conflict,     ///< insert of a key that exists; a serialization failure
  constraint,   ///< a unique index or another constraint refused the write
  bad_input,    ///< a value that cannot be stored (NaN, an enum value without a name, ...)
  unavailable,  ///< the backend cannot be reached or refused to work (busy, I/O, cannot open)
  corrupt,      ///< stored data does not decode into the record
  schema,       ///< the stored table and the record disagree in a way stowage will not migrate
  internal,     ///< the backend rejected what stowage sent: a bug worth reporting
};

constexpr std::string_view to_string(error_kind k) noexcept {
  switch (k) {
    case error_kind::not_found: return "not found";
    case error_kind::conflict: return "conflict";
    case error_kind::constraint: return "constraint violated";
    case error_kind::bad_input: return "bad input";
    case error_kind::unavailable: return "unavailable";
    case error_kind::corrupt: return "corrupt data";
    case error_kind::schema: return "schema mismatch";
    case error_kind::internal: return "internal error";
  }
  return "error";
}

/// Where a failure happened: the record type, its table, the key (when there is one) and
/// the backend's own words. Each part may be empty.
struct error_context {
  std::string record;
  std::string table;
  std::string key;
  std::string backend_message;
};

/// The root of every exception stowage throws. `what()` reads as one line naming the record,
/// the key and the backend message; the parts are also available one by one, unaltered.
class error : public std::runtime_error {
 public:
  error(error_kind kind, std::string_view summary, error_context ctx = {})
      : std::runtime_error(compose(kind, summary, ctx)), kind_(kind), ctx_(std::move(ctx)) {}

  error_kind kind() const noexcept { return kind_; }
  const std::string& record() const noexcept { return ctx_.record; }
  const std::string& table() const noexcept { return ctx_.table; }
  const std::string& key() const noexcept { return ctx_.key; }
  const std::string& backend_message() const noexcept { return ctx_.backend_message; }

 private:
  static std::string compose(error_kind kind, std::string_view summary, const error_context& c) {
    std::string m = "stowage: ";
    m += to_string(kind);
    if (!summary.empty()) one_line(m.append(": "), summary);
    if (!c.record.empty()) one_line(m.append("; record "), c.record);
    if (!c.table.empty()) one_line(m.append(" (table "), c.table).append(")");
    if (!c.key.empty()) escaped(m.append(", key "), c.key);
    if (!c.backend_message.empty()) one_line(m.append("; backend says: "), c.backend_message);
    return m;
  }

  // what() is one line, so that logs and test reports stay readable: a line break becomes "; ",
  // or a space where the next line is indented as the continuation of a sentence (PostgreSQL
  // wraps its messages so), other control characters become spaces, and trailing ones go.
  static std::string& one_line(std::string& m, std::string_view part) {
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

  // a key is data, not prose: its control bytes are shown as \xNN rather than joined into text
  static std::string& escaped(std::string& m, std::string_view key) {
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

  error_kind kind_;
  error_context ctx_;
};

/// The error of one kind; catch it by its alias (not_found_error, ...) or as stowage::error.
template <error_kind Kind>
class error_of_kind : public error {
 public:
  explicit error_of_kind(std::string_view summary, error_context ctx = {}) : error(Kind, summary, std::move(ctx)) {}
};

using not_found_error = error_of_kind<error_kind::not_found>;
using conflict_error = error_of_kind<error_kind::conflict>;
using constraint_error = error_of_kind<error_kind::constraint>;
using bad_input_error = error_of_kind<error_kind::bad_input>;
using unavailable_error = error_of_kind<error_kind::unavailable>;
using corrupt_error = error_of_kind<error_kind::corrupt>;
using schema_error = error_of_kind<error_kind::schema>;
using internal_error = error_of_kind<error_kind::internal>;

/// A conflict that running the transaction again may resolve: it lost a race with another
/// transaction (a serialization failure or a deadlock). stowage::transact retries on it.
class retryable_conflict : public conflict_error {
 public:
  using conflict_error::conflict_error;
};

/// Throws the subclass of stowage::error that matches `kind`, so callers can catch either
/// the subclass or the root and switch on kind().
[[noreturn]] inline void throw_error(error_kind kind, std::string_view summary, error_context ctx = {}) {
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
