// Runs one comparison of optimizers (Figures 1–3, AdaMax, averaging) by the paper's protocol:
// same initial weights, same data order and dropout stream for every optimizer; each optimizer's
// learning rate picked from its grid by short trials; then the full runs.
#pragma once

#include <map>
#include <string>

#include "experiment.hpp"
#include "results.hpp"

namespace adamite::reproduce {

// Learning rates already chosen in this invocation, so that experiments sharing a setup (Fig. 2,
// AdaMax and averaging all use Fig. 2's Adam) search once.
using SearchCache = std::map<std::string, std::vector<Trial>>;

ExperimentResult run_classifier_experiment(const Experiment& experiment, const Settings& settings,
                                           SearchCache& cache);

}  // namespace adamite::reproduce
