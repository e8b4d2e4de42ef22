// The workflow runs model: stowage::models::workflows<Backend>, the runs of a workflow engine
// (Gorkflow's store), their step executions, step outputs and per-run state, on every backend.
//
//     stowage::models::workflows flows{db};                       // any database<Backend>
//     auto run = flows.create_run({.workflow_id = "ingest", .input = {{"file", "a.csv"}}});
//     flows.update_run_status(run.id, stowage::models::run_status::running);
//     auto page = flows.list_runs({.status = stowage::models::run_status::failed}).page(50);
//
// Records (ordinary stowage records, tables workflow_runs, workflow_steps, workflow_step_outputs
// and workflow_state): a step execution, a step output and a state entry are keyed by a text id
// made of the run's id, '/' and the step id or state key (a run id is always 36 characters, so
// the pair is unambiguous). One execution per (run, step): retries change the same record, as in
// Gorkflow, and its execution_index is a field, not part of the key.
//
// Every write that touches more than one record, or reads before it writes, runs in one
// transaction (stowage::transact, retried when it loses a race on PostgreSQL); status changes
// are updates conditioned on the status they leave, so that of two writers racing from one
// status exactly one wins and the other gets conflict_error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <stowage/detail/config.hpp>
#include <stowage/json.hpp>
#include <stowage/record/enum_names.hpp>
#include <stowage/uuid.hpp>

namespace stowage::models {

/// A run's status. completed, failed and cancelled are final.
enum class run_status { pending, running, completed, failed, cancelled };
/// A step execution's status. completed, failed and skipped are final.
enum class step_status { pending, running, completed, failed, skipped, retrying };

}  // namespace stowage::models

// The names the statuses are stored by, given rather than found by scanning every value an
// enumerator could have (which costs each file that uses the model a second of compiling).
template <>
struct stowage::enum_traits<stowage::models::run_status> {
  using enum stowage::models::run_status;
  static constexpr std::array<std::pair<stowage::models::run_status, std::string_view>, 5> names{
      {{pending, "pending"},
       {running, "running"},
       {completed, "completed"},
       {failed, "failed"},
       {cancelled, "cancelled"}}};
};
template <>
struct stowage::enum_traits<stowage::models::step_status> {
  using enum stowage::models::step_status;
  static constexpr std::array<std::pair<stowage::models::step_status, std::string_view>, 6> names{
      {{pending, "pending"},
       {running, "running"},
       {completed, "completed"},
       {failed, "failed"},
       {skipped, "skipped"},
       {retrying, "retrying"}}};
};

namespace stowage::models {

/// What went wrong in a run or a step (Gorkflow's WorkflowError and StepError in one): codes as
/// Gorkflow's (VALIDATION_ERROR, TIMEOUT, EXECUTION_FAILED, ...) or the application's own.
struct workflow_error {
  std::string message;
  std::string code;
  std::optional<std::string> step{};
  stowage::timestamp timestamp{};
  std::optional<int> attempt{};
  nlohmann::json details{};
  friend bool operator==(const workflow_error&, const workflow_error&) = default;
};

/// One run of a workflow (table workflow_runs), as stored. create_run makes it from a run_draft;
/// the store sets updated_at on every write, strictly increasing for a run (the token of
/// update_run's compare-and-swap). tags is a JSON object of strings, {} when none (stowage has no
/// map field type; a JSON object can be queried: where<&workflow_run::tags>.at("/env") == "prod").
struct workflow_run {
  stowage::uuid id{};
  std::string workflow_id{};
  std::string workflow_version{};
  run_status status = run_status::pending;
  double progress = 0.0;
  nlohmann::json input{};
  nlohmann::json output{};
  std::optional<workflow_error> error{};
  std::string resource_id{};
  nlohmann::json tags = nlohmann::json::object();
  nlohmann::json context{};
  stowage::timestamp created_at{};
  stowage::timestamp updated_at{};
  std::optional<stowage::timestamp> started_at{};
  std::optional<stowage::timestamp> completed_at{};
  friend bool operator==(const workflow_run&, const workflow_run&) = default;
};

/// One step of a run (table workflow_steps), keyed by "<run id>/<step id>", as stored.
/// create_step makes it from a step_draft; the store sets updated_at on every write, and on
/// status changes started_at, completed_at, duration_ms and attempt (see update_step_status).
struct workflow_step {
  std::string id{};
  stowage::uuid run_id{};
  std::string step_id{};
  std::int64_t execution_index = 0;
  int attempt = 0;
  step_status status = step_status::pending;
  nlohmann::json input{};
  nlohmann::json output{};
  std::optional<workflow_error> error{};
  std::optional<stowage::timestamp> started_at{};
  std::optional<stowage::timestamp> completed_at{};
  std::int64_t duration_ms = 0;
  stowage::timestamp created_at{};
  stowage::timestamp updated_at{};
  friend bool operator==(const workflow_step&, const workflow_step&) = default;
};

/// A step's output bytes (table workflow_step_outputs), kept apart so that listing steps does not
/// read large payloads; keyed by "<run id>/<step id>".
struct workflow_step_output {
  std::string id;
  stowage::uuid run_id;
  std::string step_id;
  stowage::bytes data;
  stowage::timestamp created_at;
};

/// One entry of a run's state (table workflow_state), keyed by "<run id>/<key>".
struct workflow_state_entry {
  std::string id;
  stowage::uuid run_id;
  std::string key;
  stowage::bytes value;
  stowage::timestamp updated_at;
};

/// What create_run takes: a new run is pending, with progress 0 and no output or error; the store
/// sets its updated_at. The members have defaults, so that designated initializers name only what
/// a run needs.
struct run_draft {
  stowage::uuid id{};  // nil: a new time-ordered uuid (an engine may bring its own)
  std::string workflow_id{};
  std::string workflow_version{};
  nlohmann::json input{};
  std::string resource_id{};
  nlohmann::json tags = nlohmann::json::object();
  nlohmann::json context{};
  std::optional<stowage::timestamp> created_at{};  // none: now
};

/// What create_step takes: a new step execution is pending, at attempt 0 (running counts it up);
/// the store sets its id and times.
struct step_draft {
  stowage::uuid run_id{};
  std::string step_id{};
  std::int64_t execution_index = 0;
  nlohmann::json input{};
};

/// Which runs list_runs and count_runs_by_status select: every filter given must hold.
struct run_filter {
  std::optional<std::string> workflow_id{};
  std::optional<std::string> resource_id{};
  std::optional<run_status> status{};
};

/// Whether a run may move from one status to another: pending -> running -> {completed, failed,
/// cancelled}, and pending -> cancelled. Staying in a status is no transition (allowed).
bool run_transition_allowed(run_status from, run_status to) noexcept;
/// The same for steps: pending -> running; running <-> retrying; running -> {completed, failed,
/// skipped}; pending -> skipped.
bool step_transition_allowed(step_status from, step_status to) noexcept;

}  // namespace stowage::models

// helpers of the workflow model, compiled once in separate mode (models/impl/workflows.ipp)
namespace stowage::detail::workflows_impl {
using models::run_draft;
using models::run_status;
using models::step_draft;
using models::step_status;
using models::workflow_run;
using models::workflow_step;

/// The system clock to the microsecond, so that a time read back equals the time written.
timestamp now();
/// The next updated_at of a record last written at `last`: now, or a microsecond after last when
/// the clock has not passed it, so that every write changes it.
timestamp next_stamp(timestamp last);
/// The id of a step, output or state entry: the run's id, '/', the name (bad_input when empty).
std::string child_key(const uuid& run, std::string_view name, std::string_view what);
/// The run create_run stores: the draft, checked (tags an object of strings), with what the store
/// fills for a new run.
workflow_run new_run(const run_draft& d, timestamp now);
/// The step execution create_step stores (bad_input_error for an empty step id).
workflow_step new_step(const step_draft& d, timestamp now);
/// Checks a run before it is stored: tags an object of strings, progress finite and in [0, 1].
void check_run(const workflow_run& r);
/// Moves r from status `from` to r.status (conflict_error when not allowed), stamping
/// started_at, completed_at and progress as Gorkflow's engine does.
void apply_run_transition(workflow_run& r, run_status from, timestamp now);
void apply_step_transition(workflow_step& s, step_status from, timestamp now);
[[noreturn]] void run_missing(const uuid& run);
[[noreturn]] void run_changed(const uuid& run);
[[noreturn]] void step_missing(const uuid& run, std::string_view step);
[[noreturn]] void step_changed(const uuid& run, std::string_view step);
[[noreturn]] void output_missing(const uuid& run, std::string_view step);
[[noreturn]] void state_missing(const uuid& run, std::string_view key);
/// How many runs delete_before removes in one transaction.
inline constexpr std::uint64_t delete_batch = 200;
}  // namespace stowage::detail::workflows_impl

// reflected with BOOST_HANA_ADAPT_STRUCT (at global scope) rather than DEFINE_STRUCT, which
// leaves no room for default member values
BOOST_HANA_ADAPT_STRUCT(stowage::models::workflow_error, message, code, step, timestamp, attempt, details);
BOOST_HANA_ADAPT_STRUCT(stowage::models::workflow_run, id, workflow_id, workflow_version, status, progress, input,
                        output, error, resource_id, tags, context, created_at, updated_at, started_at, completed_at);
BOOST_HANA_ADAPT_STRUCT(stowage::models::workflow_step, id, run_id, step_id, execution_index, attempt, status, input,
                        output, error, started_at, completed_at, duration_ms, created_at, updated_at);
BOOST_HANA_ADAPT_STRUCT(stowage::models::workflow_step_output, id, run_id, step_id, data, created_at);
BOOST_HANA_ADAPT_STRUCT(stowage::models::workflow_state_entry, id, run_id, key, value, updated_at);

template <>
struct stowage::record_traits<stowage::models::workflow_run> {
  using R = stowage::models::workflow_run;
  static constexpr std::string_view table = "workflow_runs";
  // list_runs orders by (created_at, id) descending after an equality on each filter
  using indexes =
      std::tuple<stowage::index<&R::created_at, &R::id>, stowage::index<&R::workflow_id, &R::created_at, &R::id>,
                 stowage::index<&R::resource_id, &R::status, &R::created_at, &R::id>,
                 stowage::index<&R::status, &R::created_at, &R::id>>;
};
template <>
struct stowage::record_traits<stowage::models::workflow_step> {
  using R = stowage::models::workflow_step;
  static constexpr std::string_view table = "workflow_steps";
  using indexes = std::tuple<stowage::index<&R::run_id, &R::execution_index, &R::step_id>>;
};
template <>
struct stowage::record_traits<stowage::models::workflow_step_output> {
  using R = stowage::models::workflow_step_output;
  static constexpr std::string_view table = "workflow_step_outputs";
  using indexes = std::tuple<stowage::index<&R::run_id>>;
};
template <>
struct stowage::record_traits<stowage::models::workflow_state_entry> {
  using R = stowage::models::workflow_state_entry;
  static constexpr std::string_view table = "workflow_state";
  using indexes = std::tuple<stowage::index<&R::run_id>>;
};

namespace stowage::models {

/// The workflow store over one database: cheap to copy; the database must outlive it. Safe to use
/// from several threads and processes at once, as its database is.
template <class Backend>
class workflows {
 public:
  /// `retry` says how often a write that lost a race (PostgreSQL's serialization failures) runs
  /// again; the default rides out several writers racing for one run.
  explicit workflows(database<Backend>& db, retry_options retry = retry_options().attempts(30))
      : db_(&db),
        retries_(retry),
        runs_(db.template table<workflow_run>()),
        steps_(db.template table<workflow_step>()),
        outputs_(db.template table<workflow_step_output>()),
        state_(db.template table<workflow_state_entry>()) {}

  // --- runs ---

  /// Stores a new run, pending, and returns it as stored (id generated when nil, created_at now
  /// when not given, updated_at now). conflict_error when a run has its id.
  workflow_run create_run(const run_draft& d) {
    workflow_run r = stowage::detail::workflows_impl::new_run(d, stowage::detail::workflows_impl::now());
    runs_.insert(r);
    return r;
  }

  /// The run with this id; not_found_error when there is none.
  workflow_run get_run(const uuid& id) const {
    if (auto r = runs_.get(id)) return std::move(*r);
    stowage::detail::workflows_impl::run_missing(id);
  }
  std::optional<workflow_run> find_run(const uuid& id) const { return runs_.get(id); }

  /// Replaces the run with r (found by r.id) and returns it as stored: created_at stays the
  /// stored one, updated_at is the store's. A change of status must be a legal transition
  /// (conflict_error otherwise). With expected_updated_at, the replace happens only while the
  /// stored run's updated_at is that one (compare-and-swap): conflict_error when another write came
  /// first. not_found_error when the run does not exist.
  workflow_run update_run(workflow_run r, std::optional<timestamp> expected_updated_at = std::nullopt) {
    stowage::detail::workflows_impl::check_run(r);
    return transact(
        *db_,
        [&] {
          workflow_run next = r;
          auto current = runs_.get(r.id);
          if (!current) stowage::detail::workflows_impl::run_missing(r.id);
          const auto now = stowage::detail::workflows_impl::now();
          stowage::detail::workflows_impl::apply_run_transition(next, current->status, now);
          next.created_at = current->created_at;
          next.updated_at = stowage::detail::workflows_impl::next_stamp(current->updated_at);
          replace_run_if(next, expected_updated_at.value_or(current->updated_at), current->status);
          return next;
        },
        retries());
  }

  /// Moves a run to a status (conflict_error when the transition is not allowed, also when
  /// another writer moved it first), stamping started_at (running), completed_at (a final
  /// status) and progress 1 (completed); `error`, when given, becomes the run's error.
  workflow_run update_run_status(const uuid& id, run_status status,
                                 std::optional<workflow_error> error = std::nullopt) {
    return transact(
        *db_,
        [&] {
          workflow_run r = get_run(id);
          const run_status from = r.status;
          const timestamp seen = r.updated_at;
          r.status = status;
          if (error) r.error = error;
          const auto now = stowage::detail::workflows_impl::now();
          stowage::detail::workflows_impl::apply_run_transition(r, from, now);
          r.updated_at = stowage::detail::workflows_impl::next_stamp(seen);
          replace_run_if(r, seen, from);
          return r;
        },
        retries());
  }

  /// The runs the filter selects, newest first (created_at, then id, descending), as a lazy
  /// query: iterate it, or read it a page at a time with .page(n) and .page_after(token, n). Runs
  /// added between pages come before the first page, so the runs a reader pages through are
  /// neither repeated nor skipped.
  query<workflow_run, Backend> list_runs(const run_filter& f = {}) const {
    auto p = filter_of(f);
    return (p ? runs_.query(std::move(*p)) : runs_.query())
        .template order_by<&workflow_run::created_at>(desc)
        .template order_by<&workflow_run::id>(desc);
  }
  /// How many runs the filter selects.
  std::uint64_t count_runs(const run_filter& f = {}) const { return list_runs(f).count(); }
  /// How many runs have each status among those the filter selects (its status ignored), in the
  /// order of the statuses' names; a status no run has is absent.
  std::vector<value_count<run_status>> count_runs_by_status(run_filter f = {}) const {
    f.status.reset();
    return runs_.template count_by<&workflow_run::status>(filter_of(f));
  }

  /// Deletes the runs created before t (and with this status, when given), with their steps,
  /// outputs and state, and returns how many runs that was. Each batch of up to 200 runs is one
  /// transaction: a run goes with all its records or not at all.
  std::uint64_t delete_before(timestamp t, std::optional<run_status> status = std::nullopt) {
    using stowage::where;
    auto selected = where<&workflow_run::created_at> < t;
    if (status) selected = std::move(selected) && where<&workflow_run::status> == *status;
    std::uint64_t total = 0;
    for (;;) {
      const std::uint64_t n = transact(
          *db_,
          [&] {
            std::vector<uuid> ids = runs_.query(selected)
                                        .limit(stowage::detail::workflows_impl::delete_batch)
                                        .template select<&workflow_run::id>()
                                        .to_vector();
            if (ids.empty()) return std::uint64_t{0};
            steps_.erase(where<&workflow_step::run_id>.in(ids));
            outputs_.erase(where<&workflow_step_output::run_id>.in(ids));
            state_.erase(where<&workflow_state_entry::run_id>.in(ids));
            return runs_.erase(where<&workflow_run::id>.in(ids));
          },
          retries());
      total += n;
      if (n < stowage::detail::workflows_impl::delete_batch) return total;
    }
  }

  // --- steps ---

  /// Stores a new step execution, pending, of an existing run (not_found_error otherwise) and
  /// returns it as stored; conflict_error when the run has a step with this step_id.
  workflow_step create_step(const step_draft& d) {
    workflow_step s = stowage::detail::workflows_impl::new_step(d, stowage::detail::workflows_impl::now());
    transact(
        *db_,
        [&] {
          require_run(s.run_id);
          steps_.insert(s);
        },
        retries());
    return s;
  }

  /// The execution of step `step` of run `run`; not_found_error when there is none.
  workflow_step get_step(const uuid& run, std::string_view step) const {
    if (auto s = find_step(run, step)) return std::move(*s);
    stowage::detail::workflows_impl::step_missing(run, step);
  }
  std::optional<workflow_step> find_step(const uuid& run, std::string_view step) const {
    return steps_.get(stowage::detail::workflows_impl::child_key(run, step, "step id"));
  }

  /// Replaces the step execution s names (run_id, step_id) and returns it as stored: created_at
  /// stays, updated_at is the store's, a change of status must be a legal transition
  /// (conflict_error otherwise). not_found_error when there is no such step.
  workflow_step update_step(workflow_step s) {
    s.id = stowage::detail::workflows_impl::child_key(s.run_id, s.step_id, "step id");
    return transact(
        *db_,
        [&] {
          workflow_step next = s;
          auto current = steps_.get(s.id);
          if (!current) stowage::detail::workflows_impl::step_missing(s.run_id, s.step_id);
          stowage::detail::workflows_impl::apply_step_transition(next, current->status,
                                                                 stowage::detail::workflows_impl::now());
          next.created_at = current->created_at;
          next.updated_at = stowage::detail::workflows_impl::next_stamp(current->updated_at);
          replace_step_if(next, current->status);
          return next;
        },
        retries());
  }

  /// Moves a step to a status (conflict_error when not allowed, also when another writer moved it
  /// first). running stamps started_at (the first time) and, coming from retrying, counts the
  /// attempt up; a final status stamps completed_at and duration_ms. `error`, when given, becomes
  /// the step's error.
  workflow_step update_step_status(const uuid& run, std::string_view step, step_status status,
                                   std::optional<workflow_error> error = std::nullopt) {
    return transact(
        *db_,
        [&] {
          workflow_step s = get_step(run, step);
          const step_status from = s.status;
          s.status = status;
          if (error) s.error = error;
          stowage::detail::workflows_impl::apply_step_transition(s, from, stowage::detail::workflows_impl::now());
          s.updated_at = stowage::detail::workflows_impl::next_stamp(s.updated_at);
          replace_step_if(s, from);
          return s;
        },
        retries());
  }

  /// A run's step executions by execution_index (then step id), as a lazy query (iterate it, or
  /// .to_vector()); empty for an unknown run.
  query<workflow_step, Backend> list_steps(const uuid& run) const {
    using stowage::where;
    return steps_.query(where<&workflow_step::run_id> == run)
        .template order_by<&workflow_step::execution_index>()
        .template order_by<&workflow_step::step_id>();
  }

  // --- step outputs and state ---

  /// Stores (or replaces) a step's output bytes, exactly as given; not_found_error when the run
  /// does not exist.
  void save_step_output(const uuid& run, std::string_view step, bytes data) {
    workflow_step_output o{stowage::detail::workflows_impl::child_key(run, step, "step id"), run, std::string(step),
                           std::move(data), stowage::detail::workflows_impl::now()};
    transact(
        *db_,
        [&] {
          require_run(run);
          outputs_.put(o);
        },
        retries());
  }
  /// A step's output; not_found_error when none was saved.
  bytes load_step_output(const uuid& run, std::string_view step) const {
    if (auto o = outputs_.get(stowage::detail::workflows_impl::child_key(run, step, "step id")))
      return std::move(o->data);
    stowage::detail::workflows_impl::output_missing(run, step);
  }

  /// Stores (or replaces) one entry of a run's state; not_found_error when the run does not exist.
  void save_state(const uuid& run, std::string_view key, bytes value) {
    workflow_state_entry e{stowage::detail::workflows_impl::child_key(run, key, "state key"), run, std::string(key),
                           std::move(value), stowage::detail::workflows_impl::now()};
    transact(
        *db_,
        [&] {
          require_run(run);
          state_.put(e);
        },
        retries());
  }
  /// One entry of a run's state; not_found_error when there is none.
  bytes load_state(const uuid& run, std::string_view key) const {
    if (auto e = state_.get(stowage::detail::workflows_impl::child_key(run, key, "state key")))
      return std::move(e->value);
    stowage::detail::workflows_impl::state_missing(run, key);
  }
  /// Deletes one entry of a run's state; true when there was one (no error when there was none).
  bool delete_state(const uuid& run, std::string_view key) {
    return state_.erase(stowage::detail::workflows_impl::child_key(run, key, "state key"));
  }
  /// Every entry of a run's state; empty for an unknown run.
  std::map<std::string, bytes> all_state(const uuid& run) const {
    std::map<std::string, bytes> out;
    for (const workflow_state_entry& e : state_.query(stowage::where<&workflow_state_entry::run_id> == run))
      out.emplace(e.key, e.value);
    return out;
  }

  database<Backend>& db() const noexcept { return *db_; }

 private:
  /// Every transaction of the model is retried this often when it loses a race (PostgreSQL's
  /// serializable transactions): a member, read from memory, rather than a temporary built at
  /// each call (g++ -O3 took the unset isolation level of such a temporary for uninitialized).
  const retry_options& retries() const noexcept { return retries_; }

  void require_run(const uuid& id) const {
    if (runs_.count(stowage::where<&workflow_run::id> == id) == 0) stowage::detail::workflows_impl::run_missing(id);
  }

  std::optional<predicate<workflow_run>> filter_of(const run_filter& f) const {
    using stowage::where;
    std::optional<predicate<workflow_run>> p;
    auto add = [&](predicate<workflow_run> q) { p = p ? std::move(*p) && std::move(q) : std::move(q); };
    if (f.workflow_id) add(where<&workflow_run::workflow_id> == *f.workflow_id);
    if (f.resource_id) add(where<&workflow_run::resource_id> == *f.resource_id);
    if (f.status) add(where<&workflow_run::status> == *f.status);
    return p;
  }

  /// Writes r over the stored run while that run still has updated_at `seen` and status `from`:
  /// the one conditional UPDATE that makes a lost race a conflict rather than a lost write.
  void replace_run_if(const workflow_run& r, timestamp seen, run_status from) {
    using stowage::set;
    using stowage::where;
    using R = workflow_run;
    const auto n = runs_.update(where<&R::id> == r.id && where<&R::updated_at> == seen && where<&R::status> == from,
                                set<&R::workflow_id>(r.workflow_id), set<&R::workflow_version>(r.workflow_version),
                                set<&R::status>(r.status), set<&R::progress>(r.progress), set<&R::input>(r.input),
                                set<&R::output>(r.output), set<&R::error>(r.error), set<&R::resource_id>(r.resource_id),
                                set<&R::tags>(r.tags), set<&R::context>(r.context), set<&R::updated_at>(r.updated_at),
                                set<&R::started_at>(r.started_at), set<&R::completed_at>(r.completed_at));
    if (n == 0) {
      if (!runs_.get(r.id)) stowage::detail::workflows_impl::run_missing(r.id);
      stowage::detail::workflows_impl::run_changed(r.id);
    }
  }

  void replace_step_if(const workflow_step& s, step_status from) {
    using stowage::set;
    using stowage::where;
    using S = workflow_step;
    const auto n = steps_.update(
        where<&S::id> == s.id && where<&S::status> == from, set<&S::execution_index>(s.execution_index),
        set<&S::attempt>(s.attempt), set<&S::status>(s.status), set<&S::input>(s.input), set<&S::output>(s.output),
        set<&S::error>(s.error), set<&S::started_at>(s.started_at), set<&S::completed_at>(s.completed_at),
        set<&S::duration_ms>(s.duration_ms), set<&S::updated_at>(s.updated_at));
    if (n == 0) {
      if (!steps_.get(s.id)) stowage::detail::workflows_impl::step_missing(s.run_id, s.step_id);
      stowage::detail::workflows_impl::step_changed(s.run_id, s.step_id);
    }
  }

  database<Backend>* db_;
  retry_options retries_;
  table<workflow_run, Backend> runs_;
  table<workflow_step, Backend> steps_;
  table<workflow_step_output, Backend> outputs_;
  table<workflow_state_entry, Backend> state_;
};

template <class Backend>
workflows(database<Backend>&) -> workflows<Backend>;
template <class Backend>
workflows(database<Backend>&, retry_options) -> workflows<Backend>;

}  // namespace stowage::models

#if !defined(STOWAGE_SEPARATE_COMPILATION) || defined(STOWAGE_IMPLEMENTATION)
#include <stowage/models/impl/workflows.ipp>
#endif
