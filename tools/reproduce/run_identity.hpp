// What makes two runs the same run: a finished run, a checkpoint or a rate search found in the
// output folder is used only under the very same settings, so these strings must change exactly
// when a setting that decides the numbers changes (and never otherwise: stored runs would be lost).
#pragma once

#include <cstdint>
#include <string>

#include "adamite/train/checkpoint.hpp"
#include "experiment.hpp"
#include "rate_search.hpp"
#include "results.hpp"

namespace adamite::reproduce {

// The key of a contender's rate search (its trials), and the first part of its runs' identity.
std::string search_key(const Experiment& experiment, const Contender& contender, const Scale& scale,
                       const RateSearchPlan& search, const Settings& settings);

// Everything that decides a full run's numbers.
train::RunConfig run_identity(const Experiment& experiment, const Contender& contender, double lr,
                              int64_t epochs, const ExperimentResult& result,
                              const RateSearchPlan& search, const Settings& settings);

}  // namespace adamite::reproduce
