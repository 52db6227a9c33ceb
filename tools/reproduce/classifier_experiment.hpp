// Runs one comparison of optimizers (Figures 1–3, AdaMax, averaging) by the paper's protocol:
// same initial weights, same data order and dropout stream for every optimizer; each optimizer's
// learning rate picked from its grid by short trials; then the full runs. Finished runs in the
// output folder are kept, an interrupted one continues from its checkpoint (run_store.hpp).
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include "adamite/train/checkpoint.hpp"
#include "experiment.hpp"
#include "results.hpp"

namespace adamite::reproduce {

// What one `reproduce` invocation carries from experiment to experiment.
struct Session {
  // Learning rates already chosen, so that experiments sharing a setup (Fig. 2, AdaMax and
  // averaging all use Fig. 2's Adam) search once.
  std::map<std::string, std::vector<Trial>> searches;
  // Full runs finished in this invocation, by their settings (the same run in several figures).
  std::map<train::RunConfig, RunRecord> runs;
  int64_t steps_left = -1;            // optimizer steps of full runs still allowed; < 0: no limit
  std::function<bool()> stop_signal;  // true: stop now (e.g. SIGINT arrived)
  double planned_seconds = 0.0;       // --plan: the estimated time of everything listed so far
};

// A run stopped on request (a signal, or Session::steps_left used up) after saving its
// checkpoint: the same command continues it.
class Stopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Under Settings::Mode::plan prints the runs instead and trains nothing; under replot trains
// nothing. Writes the outputs of the runs it has (none under plan).
ExperimentResult run_classifier_experiment(const Experiment& experiment, const Settings& settings,
                                           Session& session);

}  // namespace adamite::reproduce
