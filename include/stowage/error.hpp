// The exception hierarchy every stowage operation reports failures through.
#pragma once

#include <stdexcept>
#include <stowage/detail/config.hpp>
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
  static std::string compose(error_kind kind, std::string_view summary, const error_context& c);

  // what() is one line, so that logs and test reports stay readable: a line break becomes "; ",
  // or a space where the next line is indented as the continuation of a sentence (PostgreSQL
  // wraps its messages so), other control characters become spaces, and trailing ones go.
  static std::string& one_line(std::string& m, std::string_view part);

  // a key is data, not prose: its control bytes are shown as \xNN rather than joined into text
  static std::string& escaped(std::string& m, std::string_view key);

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
[[noreturn]] void throw_error(error_kind kind, std::string_view summary, error_context ctx = {});

}  // namespace stowage

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/impl/error.ipp>
#endif
