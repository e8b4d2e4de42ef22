// A workflow engine's runs kept by stowage::models::workflows: a run moves through its statuses,
// its steps keep their outputs and the run its state, and old runs are deleted with all of it.
#include <stowage/models/workflows.hpp>
#include <stowage/sqlite.hpp>

#include <chrono>
#include <iostream>

using backend = stowage::sqlite;  // stowage::postgres, stowage::json_dir or stowage::memory work the same

int main(int argc, char** argv) {
  using namespace stowage::models;
  stowage::database<backend> db{argc > 1 ? argv[1] : ":memory:"};
  workflows flows{db};

  // a run starts pending; the store gives it an id and its times
  workflow_run run = flows.create_run({.workflow_id = "ingest",
                                       .workflow_version = "v2",
                                       .input = {{"file", "orders.csv"}},
                                       .resource_id = "tenant-7",
                                       .tags = {{"env", "prod"}}});
  flows.update_run_status(run.id, run_status::running);

  // a step: pending, running, a retry, running again, completed with its output saved apart
  flows.create_step({.run_id = run.id, .step_id = "parse", .execution_index = 0});
  flows.update_step_status(run.id, "parse", step_status::running);
  flows.update_step_status(run.id, "parse", step_status::retrying);
  flows.update_step_status(run.id, "parse", step_status::running);
  workflow_step parse = flows.update_step_status(run.id, "parse", step_status::completed);
  flows.save_step_output(run.id, "parse", stowage::bytes{std::byte{0}, std::byte{42}});
  flows.save_state(run.id, "cursor", stowage::bytes{std::byte{7}});

  run = flows.update_run_status(run.id, run_status::completed);
  try {
    flows.update_run_status(run.id, run_status::failed);  // a completed run stays completed
    return 1;
  } catch (const stowage::conflict_error& e) {
    std::cout << "refused: " << e.what() << "\n";
  }

  // the newest runs of a tenant, a page at a time, and how many runs have each status
  auto page = flows.list_runs({.resource_id = "tenant-7"}).page(20);  // page_after(*page.next, 20) goes on
  for (const workflow_run& r : page) std::cout << r.workflow_id << " " << (r.status == run_status::completed) << "\n";
  for (const auto& [status, n] : flows.count_runs_by_status())
    if (status == run_status::completed) std::cout << n << " completed run(s)\n";

  std::cout << "parse took attempt " << parse.attempt << ", output of "
            << flows.load_step_output(run.id, "parse").size() << " bytes, progress " << run.progress << "\n";

  // retention: every run created before now goes, with its steps, outputs and state
  const auto cutoff = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  std::uint64_t deleted = flows.delete_before(cutoff + std::chrono::seconds(1));
  std::cout << "deleted " << deleted << " run(s), " << flows.list_steps(run.id).count() << " step(s) left\n";
  return deleted == 1 && flows.all_state(run.id).empty() ? 0 : 1;
}
