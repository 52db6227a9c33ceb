// Runs one comparison of optimizers (Figures 1–3, AdaMax, averaging) by the paper's protocol:
// same initial weights, same data order and dropout stream for every optimizer; each optimizer's
// learning rate picked from its grid by short trials; then the full runs. Finished runs in the
// output folder are kept, an interrupted one continues from its checkpoint (run_store.hpp).
#pragma once

#include "experiment.hpp"
#include "results.hpp"
#include "session.hpp"

namespace adamite::reproduce {

// Under Settings::Mode::plan prints the runs instead and trains nothing; under replot trains
// nothing. Writes the outputs of the runs it has (none under plan).
ExperimentResult run_classifier_experiment(const Experiment& experiment, const Settings& settings,
                                           Session& session);

}  // namespace adamite::reproduce
