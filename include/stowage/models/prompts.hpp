// The prompts model: named prompts kept as numbered versions with exactly one latest, on every
// backend (the semantics of Prompt Gear, with its races fixed).
//
//     stowage::models::prompts prompts{db};                 // any database<Backend>
//     auto v = prompts.create_version({.name = "greet", .version = "v2", .user = "Hi {{name}}"});
//     std::optional<stowage::models::prompt_version> now = prompts.find_latest("greet");
//
// Storage: one record per version in the table prompt_versions (key "name:version", unique
// (name, version) and (name, sequence)), and one record per name in prompt_counters holding the
// next sequence number and the latest version's label. Both are ordinary records: a program may
// query them with where<> (writing to them directly bypasses the rules below).
//
// Rules: every write is one transaction (stowage::transact, run again when it loses a race on
// PostgreSQL), so a failure leaves nothing and several threads or processes creating versions of
// one name get the sequence numbers 1, 2, 3, ... each once. A name's sequence numbers are never
// reused while it has versions; when its last version is deleted its counter goes, and a new
// first version is number 1 again. Creating a version makes it the only latest; deleting the
// latest makes the highest remaining sequence the latest; an update changes only the texts and
// the config (README, "Prompts").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <stowage/detail/config.hpp>
#include <stowage/error.hpp>
#include <stowage/query/predicate.hpp>
#include <stowage/record/record.hpp>
#include <stowage/record/types.hpp>
#include <stowage/store/database.hpp>

namespace stowage::models {

/// One version of a prompt (table prompt_versions).
struct prompt_version {
  BOOST_HANA_DEFINE_STRUCT(prompt_version,
                           (std::string, id),       // "name:version", the key
                           (std::string, name),     // [A-Za-z0-9_.-]+
                           (std::string, version),  // a label such as "v2", [A-Za-z0-9_.-]+
                           (std::string, system),   // the system prompt
                           (std::string, user),     // the user prompt (a template)
                           (nlohmann::json, config),
                           (std::int64_t, sequence),  // 1, 2, 3, ... per name, in creation order
                           (bool, latest),            // true for exactly one version of each name
                           (stowage::timestamp, created_at), (stowage::timestamp, updated_at));
};

/// A name's counter (table prompt_counters): the next sequence number and the latest version's
/// label. It exists while the name has versions.
struct prompt_counter {
  BOOST_HANA_DEFINE_STRUCT(prompt_counter, (std::string, name), (std::int64_t, next_sequence), (std::string, latest));
};

}  // namespace stowage::models

template <>
struct stowage::record_traits<stowage::models::prompt_version> {
  static constexpr std::string_view table = "prompt_versions";
  // (name, latest) serves find_latest(), created_at stats()
  using indexes =
      std::tuple<stowage::unique<&stowage::models::prompt_version::name, &stowage::models::prompt_version::version>,
                 stowage::unique<&stowage::models::prompt_version::name, &stowage::models::prompt_version::sequence>,
                 stowage::index<&stowage::models::prompt_version::name, &stowage::models::prompt_version::latest>,
                 stowage::index<&stowage::models::prompt_version::created_at>>;
};

template <>
struct stowage::record_traits<stowage::models::prompt_counter> {
  static constexpr std::string_view table = "prompt_counters";
  static constexpr auto key = &stowage::models::prompt_counter::name;
};

namespace stowage::models {

/// What create_version() stores: the name and version label, the texts and the config.
struct prompt_draft {
  // each member has an initializer, so that designated initializers may leave any out
  std::string name{};
  std::string version{};
  std::string system{};
  std::string user{};
  nlohmann::json config = nlohmann::json::object();
};

/// What update_version() changes: each field that is set.
struct prompt_patch {
  std::optional<std::string> system{};
  std::optional<std::string> user{};
  std::optional<nlohmann::json> config{};
};

/// What create_version() does when the version exists: refuse (conflict_error) or create it again.
enum class if_exists { fail, overwrite };

/// Where search() looks.
enum class prompt_field { all, name, system, user };

/// What stats() counts.
struct prompt_stats {
  std::uint64_t total_versions = 0;
  std::uint64_t unique_names = 0;
  std::optional<prompt_version> most_recent;  // the last created (or overwritten) version
};

}  // namespace stowage::models

namespace stowage::detail::prompts_impl {
using models::prompt_draft;
using models::prompt_field;
using models::prompt_patch;
using models::prompt_version;

// Backend-independent parts, compiled once (models/impl/prompts.ipp).

/// Throws bad_input_error naming `what` and the value unless it matches [A-Za-z0-9_.-]+.
void check_label(std::string_view what, std::string_view value);
/// The key of a version, "name:version", after checking both.
std::string prompt_key(std::string_view name, std::string_view version);
[[noreturn]] void prompt_not_found(std::string_view name, std::string_view version);
[[noreturn]] void prompt_exists(std::string_view name, std::string_view version);
[[noreturn]] void prompt_name_not_found(std::string_view name);
/// The system clock truncated to microseconds.
stowage::timestamp prompt_now();
/// A version as create_version() stores it (sequence and times set, latest true).
prompt_version new_prompt_version(const prompt_draft& d, std::string key, std::int64_t sequence);
void apply_patch(prompt_version& v, const prompt_patch& p);
/// The versions whose texts (or name) hold `text`, ASCII letters in either case.
predicate<prompt_version> prompt_search(std::string_view text, prompt_field field);
/// The versions whose config holds every scalar of `subset` at the same path (see README).
predicate<prompt_version> prompt_config_subset(const nlohmann::json& subset);

}  // namespace stowage::detail::prompts_impl

namespace stowage::models {

/// The prompts of a database<Backend>: a thin handle, cheap to copy; the database must outlive it.
template <class Backend>
class prompts {
  // a type that is no backend has been reported by database<Backend>: no further error here
  using backend_type = stowage::detail::backend_or_stand_in<Backend>;

 public:
  /// `retry` says how often a write that lost a race (PostgreSQL's serialization failures) runs
  /// again; the default rides out hundreds of writers contending for one name.
  explicit prompts(database<Backend>& db, retry_options retry = retry_options().attempts(200))
      : db_(&db),
        versions_(db.template table<prompt_version>()),
        counters_(db.template table<prompt_counter>()),
        retry_(retry) {}

  /// Stores a new version: the next sequence number of its name, and the only latest. A version
  /// that exists is conflict_error, or with if_exists::overwrite is created again (new texts and
  /// config, a new sequence number, latest, new times). Invalid labels are bad_input_error.
  prompt_version create_version(const prompt_draft& d, if_exists mode = if_exists::fail) {
    std::string key = stowage::detail::prompts_impl::prompt_key(d.name, d.version);
    return transact(
        *db_,
        [&] {
          std::optional<prompt_version> existing = versions_.get(key);
          if (existing && mode == if_exists::fail) stowage::detail::prompts_impl::prompt_exists(d.name, d.version);
          prompt_counter c = counters_.get(d.name).value_or(prompt_counter{d.name, 1, {}});
          if (!c.latest.empty() && c.latest != d.version) {
            std::optional<prompt_version> old =
                versions_.get(stowage::detail::prompts_impl::prompt_key(d.name, c.latest));
            if (old) {
              old->latest = false;
              versions_.update(*old);
            }
          }
          prompt_version v = stowage::detail::prompts_impl::new_prompt_version(d, key, c.next_sequence);
          if (existing)
            versions_.update(v);
          else
            versions_.insert(v);
          c.next_sequence += 1;
          c.latest = d.version;
          counters_.put(c);
          return v;
        },
        retry_);
  }

  /// Changes the texts and config a patch sets, and moves updated_at forward; the sequence, the
  /// latest flag and created_at stay. not_found_error when the version does not exist.
  prompt_version update_version(std::string_view name, std::string_view version, const prompt_patch& p) {
    std::string key = stowage::detail::prompts_impl::prompt_key(name, version);
    return transact(
        *db_,
        [&] {
          std::optional<prompt_version> v = versions_.get(key);
          if (!v) stowage::detail::prompts_impl::prompt_not_found(name, version);
          stowage::detail::prompts_impl::apply_patch(*v, p);
          versions_.update(*v);
          return *v;
        },
        retry_);
  }

  /// Deletes a version; when it was the latest, the highest remaining sequence becomes the
  /// latest, and when it was the last, the name's counter goes (numbering starts at 1 again).
  /// not_found_error when the version does not exist.
  void delete_version(std::string_view name, std::string_view version) {
    std::string key = stowage::detail::prompts_impl::prompt_key(name, version);
    transact(
        *db_,
        [&] {
          std::optional<prompt_version> v = versions_.get(key);
          if (!v) stowage::detail::prompts_impl::prompt_not_found(name, version);
          versions_.erase(key);
          std::optional<prompt_version> next = versions_.query(where<&prompt_version::name> == v->name)
                                                   .template order_by<&prompt_version::sequence>(desc)
                                                   .first();
          if (!next) {
            counters_.erase(v->name);
            return;
          }
          if (!v->latest) return;
          next->latest = true;
          versions_.update(*next);
          prompt_counter c = counters_.get(v->name).value_or(prompt_counter{v->name, next->sequence + 1, {}});
          c.latest = next->version;
          counters_.put(c);
        },
        retry_);
  }

  /// The version, or not_found_error.
  prompt_version get_version(std::string_view name, std::string_view version) const {
    std::optional<prompt_version> v = find_version(name, version);
    if (!v) stowage::detail::prompts_impl::prompt_not_found(name, version);
    return std::move(*v);
  }
  /// The version, if it exists.
  std::optional<prompt_version> find_version(std::string_view name, std::string_view version) const {
    return versions_.get(stowage::detail::prompts_impl::prompt_key(name, version));
  }
  bool version_exists(std::string_view name, std::string_view version) const {
    return find_version(name, version).has_value();
  }

  /// The name's latest version, if it has versions.
  std::optional<prompt_version> find_latest(std::string_view name) const {
    stowage::detail::prompts_impl::check_label("name", name);
    return versions_.query(where<&prompt_version::name> == std::string(name) && where<&prompt_version::latest> == true)
        .first();
  }
  /// The name's latest version, or not_found_error.
  prompt_version get_latest(std::string_view name) const {
    std::optional<prompt_version> v = find_latest(name);
    if (!v) stowage::detail::prompts_impl::prompt_name_not_found(name);
    return std::move(*v);
  }

  /// Every name that has versions, in ascending (bytewise) order.
  std::vector<std::string> names() const { return versions_.template distinct<&prompt_version::name>(); }

  /// A name's versions in sequence order: a lazy range (.page(n) reads it a page at a time).
  auto versions(std::string_view name) const {
    stowage::detail::prompts_impl::check_label("name", name);
    return versions_.query(where<&prompt_version::name> == std::string(name))
        .template order_by<&prompt_version::sequence>();
  }
  /// A name's version labels in sequence order.
  std::vector<std::string> version_labels(std::string_view name) const {
    return versions(name).template select<&prompt_version::version>().to_vector();
  }
  /// Every version, ordered by name, then sequence.
  auto list() const { return ordered(versions_.query()); }

  /// The versions whose name or texts (or only one of them) hold `text`, ASCII letters in
  /// either case, ordered by name, then sequence.
  auto search(std::string_view text, prompt_field field = prompt_field::all) const {
    return ordered(versions_.query(stowage::detail::prompts_impl::prompt_search(text, field)));
  }
  /// The versions whose config holds each scalar of `subset` at the same place:
  /// {"model": "m1", "params": {"temperature": 0.2}} selects configs with "/model" == "m1" and
  /// "/params/temperature" == 0.2 (README, "Prompts"). Ordered by name, then sequence.
  auto search_by_config(const nlohmann::json& subset) const {
    return ordered(versions_.query(stowage::detail::prompts_impl::prompt_config_subset(subset)));
  }

  /// How many versions and names there are, and the version created last.
  prompt_stats stats() const {
    return transact(
        *db_,
        [&] {
          prompt_stats s;
          s.total_versions = versions_.count();
          s.unique_names = counters_.count();
          s.most_recent = versions_.query()
                              .template order_by<&prompt_version::created_at>(desc)
                              .template order_by<&prompt_version::id>(desc)
                              .first();
          return s;
        },
        retry_);
  }

  /// The tables, for queries of one's own.
  const table<prompt_version, backend_type>& version_table() const noexcept { return versions_; }
  const table<prompt_counter, backend_type>& counter_table() const noexcept { return counters_; }

 private:
  template <class Q>
  static Q ordered(Q q) {
    return q.template order_by<&prompt_version::name>().template order_by<&prompt_version::sequence>();
  }

  database<Backend>* db_;
  table<prompt_version, backend_type> versions_;
  table<prompt_counter, backend_type> counters_;
  retry_options retry_;
};

template <class Backend>
prompts(database<Backend>&) -> prompts<Backend>;
template <class Backend>
prompts(database<Backend>&, retry_options) -> prompts<Backend>;

}  // namespace stowage::models

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/models/impl/prompts.ipp>
#endif
