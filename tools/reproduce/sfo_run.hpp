// One SFO line of Fig. 2 (b): train::fit_sfo from the common initial weights, its subfunctions the
// experiment's minibatches, recorded like the first-order runs (a row per pass over the data).
#pragma once

#include <memory>

#include "adamite/data/dataset.hpp"
#include "adamite/nn/module.hpp"
#include "experiment.hpp"
#include "harness_progress.hpp"
#include "results.hpp"

namespace adamite::reproduce {

// `model` holds the initial weights already; the run trains it for `passes` passes.
RunRecord run_sfo(const Experiment& experiment, const Contender& contender, nn::Module& model,
                  int64_t passes, const data::Splits& splits, const Settings& settings,
                  HarnessProgress& progress);

}  // namespace adamite::reproduce
