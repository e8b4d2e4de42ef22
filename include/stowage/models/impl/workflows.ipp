// The workflow model's functions that do not depend on the backend (models/workflows.hpp): the
// transition tables, the checks of a run before it is stored, the stamps a status change sets
// and the model's error messages.
#include <cmath>

namespace stowage::models {

STOWAGE_INLINE bool run_transition_allowed(run_status from, run_status to) noexcept {
  if (from == to) return true;
  switch (from) {
    case run_status::pending: return to == run_status::running || to == run_status::cancelled;
    case run_status::running:
      return to == run_status::completed || to == run_status::failed || to == run_status::cancelled;
    case run_status::completed:
    case run_status::failed:
    case run_status::cancelled: return false;
  }
  return false;
}

STOWAGE_INLINE bool step_transition_allowed(step_status from, step_status to) noexcept {
  if (from == to) return true;
  switch (from) {
    case step_status::pending: return to == step_status::running || to == step_status::skipped;
    case step_status::running:
      return to == step_status::retrying || to == step_status::completed || to == step_status::failed ||
             to == step_status::skipped;
    case step_status::retrying: return to == step_status::running;
    case step_status::completed:
    case step_status::failed:
    case step_status::skipped: return false;
  }
  return false;
}

}  // namespace stowage::models

namespace stowage::detail::workflows_impl {

// helpers of this file alone
STOWAGE_INLINE std::string_view name_of(run_status s) noexcept {
  switch (s) {
    case run_status::pending: return "pending";
    case run_status::running: return "running";
    case run_status::completed: return "completed";
    case run_status::failed: return "failed";
    case run_status::cancelled: return "cancelled";
  }
  return "?";
}
STOWAGE_INLINE std::string_view name_of(step_status s) noexcept {
  switch (s) {
    case step_status::pending: return "pending";
    case step_status::running: return "running";
    case step_status::completed: return "completed";
    case step_status::failed: return "failed";
    case step_status::skipped: return "skipped";
    case step_status::retrying: return "retrying";
  }
  return "?";
}
STOWAGE_INLINE bool final_status(run_status s) noexcept {
  return s == run_status::completed || s == run_status::failed || s == run_status::cancelled;
}
STOWAGE_INLINE bool final_status(step_status s) noexcept {
  return s == step_status::completed || s == step_status::failed || s == step_status::skipped;
}
STOWAGE_INLINE error_context run_context(const uuid& run) {
  return {"workflow_run", "workflow_runs", uuid_text(run), {}};
}
STOWAGE_INLINE error_context child_context(std::string_view record, std::string_view table, const uuid& run,
                                           std::string_view name) {
  return {std::string(record), std::string(table), uuid_text(run) + "/" + std::string(name), {}};
}

STOWAGE_INLINE timestamp now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

STOWAGE_INLINE timestamp next_stamp(timestamp last) {
  const timestamp t = now();
  return t > last ? t : last + std::chrono::microseconds(1);
}

STOWAGE_INLINE std::string child_key(const uuid& run, std::string_view name, std::string_view what) {
  if (name.empty()) throw bad_input_error("a workflow's " + std::string(what) + " cannot be empty", run_context(run));
  std::string key = uuid_text(run);
  key += '/';
  key += name;
  return key;
}

STOWAGE_INLINE void check_run(const workflow_run& r) {
  if (!std::isfinite(r.progress) || r.progress < 0.0 || r.progress > 1.0)
    throw bad_input_error("a run's progress must be in [0, 1], not " + std::to_string(r.progress), run_context(r.id));
  if (!r.tags.is_object())
    throw bad_input_error("a run's tags must be a JSON object of strings, not " + r.tags.dump(), run_context(r.id));
  for (const auto& [name, value] : r.tags.items())
    if (!value.is_string())
      throw bad_input_error("a run's tag '" + name + "' must be a string, not " + value.dump(), run_context(r.id));
}

STOWAGE_INLINE workflow_run new_run(const run_draft& d, timestamp now) {
  workflow_run r;
  r.id = d.id.is_nil() ? new_uuid() : d.id;
  r.workflow_id = d.workflow_id;
  r.workflow_version = d.workflow_version;
  r.input = d.input;
  r.resource_id = d.resource_id;
  r.tags = d.tags.is_null() ? nlohmann::json::object() : d.tags;
  r.context = d.context;
  check_run(r);
  r.created_at = d.created_at.value_or(now);
  r.updated_at = now;
  return r;
}

STOWAGE_INLINE workflow_step new_step(const step_draft& d, timestamp now) {
  workflow_step s;
  s.id = child_key(d.run_id, d.step_id, "step id");
  s.run_id = d.run_id;
  s.step_id = d.step_id;
  s.execution_index = d.execution_index;
  s.input = d.input;
  s.created_at = s.updated_at = now;
  return s;
}

STOWAGE_INLINE void apply_run_transition(workflow_run& r, run_status from, timestamp now) {
  if (!run_transition_allowed(from, r.status))
    throw conflict_error(
        "a run cannot move from " + std::string(name_of(from)) + " to " + std::string(name_of(r.status)),
        run_context(r.id));
  if (from == r.status) return;
  if (r.status == run_status::running && !r.started_at) r.started_at = now;
  if (final_status(r.status)) {
    if (!r.completed_at) r.completed_at = now;
    if (r.status == run_status::completed) r.progress = 1.0;
  }
}

STOWAGE_INLINE void apply_step_transition(workflow_step& s, step_status from, timestamp now) {
  if (!step_transition_allowed(from, s.status))
    throw conflict_error(
        "a step cannot move from " + std::string(name_of(from)) + " to " + std::string(name_of(s.status)),
        child_context("workflow_step", "workflow_steps", s.run_id, s.step_id));
  if (from == s.status) return;
  if (s.status == step_status::running) {
    if (!s.started_at) s.started_at = now;
    // each run of the step is an attempt: the first counts 1, each retry one more
    if (from == step_status::retrying || s.attempt < 1) ++s.attempt;
  }
  if (final_status(s.status)) {
    if (!s.completed_at) s.completed_at = now;
    s.duration_ms = s.started_at
                        ? std::chrono::duration_cast<std::chrono::milliseconds>(*s.completed_at - *s.started_at).count()
                        : 0;
  }
}

[[noreturn]] STOWAGE_INLINE void run_missing(const uuid& run) {
  throw not_found_error("no workflow run has this id", run_context(run));
}
[[noreturn]] STOWAGE_INLINE void run_changed(const uuid& run) {
  throw conflict_error("the workflow run changed since it was read (another writer came first)", run_context(run));
}
[[noreturn]] STOWAGE_INLINE void step_missing(const uuid& run, std::string_view step) {
  throw not_found_error("the workflow run has no step with this id",
                        child_context("workflow_step", "workflow_steps", run, step));
}
[[noreturn]] STOWAGE_INLINE void step_changed(const uuid& run, std::string_view step) {
  throw conflict_error("the workflow step changed since it was read (another writer came first)",
                       child_context("workflow_step", "workflow_steps", run, step));
}
[[noreturn]] STOWAGE_INLINE void output_missing(const uuid& run, std::string_view step) {
  throw not_found_error("no output was saved for this step",
                        child_context("workflow_step_output", "workflow_step_outputs", run, step));
}
[[noreturn]] STOWAGE_INLINE void state_missing(const uuid& run, std::string_view key) {
  throw not_found_error("the workflow run's state has no entry with this key",
                        child_context("workflow_state_entry", "workflow_state", run, key));
}

}  // namespace stowage::detail::workflows_impl
