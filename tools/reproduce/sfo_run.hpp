// One SFO line of Fig. 2 (b): train::fit_sfo from the common initial weights, its subfunctions the
// experiment's minibatches, recorded like the first-order runs (a row per pass over the data).
#pragma once

#include <filesystem>
#include <memory>

#include "adamite/data/dataset.hpp"
#include "adamite/nn/module.hpp"
#include "experiment.hpp"
#include "harness_progress.hpp"
#include "initial_weights.hpp"
#include "results.hpp"
#include "session.hpp"

namespace adamite::reproduce {

struct Resumable;

// `model` holds the initial weights already; the run trains it for `passes` passes. A resumable
// run (`resumable` set) continues from its checkpoint, writes one every half hour of training and
// when `session` stops it (by signal or --stop-after-steps; then it throws Stopped): SFO's whole
// state, about 12 bytes per parameter per subfunction (8 GB for Fig. 2 (b)), so each write takes
// seconds to a minute. Without `resumable`, a stop throws Stopped and the run starts over.
RunRecord run_sfo(const Experiment& experiment, const Contender& contender, nn::Module& model,
                  int64_t passes, const data::Splits& splits, const Settings& settings,
                  HarnessProgress& progress, Session* session, const Resumable* resumable);

// The passes a run's SFO checkpoint stands after; -1 when there is none or it cannot be read.
int64_t sfo_checkpoint_passes(const std::filesystem::path& file);

// SFO's cost at `subfunctions` minibatches, for --plan: its basis holds a few columns of all the
// parameters per subfunction, so its step time and state grow with their number. Timed on the
// experiment's model at two small counts and extrapolated linearly.
struct SfoEstimate {
  double seconds_per_step = 0.0;
  double state_bytes = 0.0;
  std::string how;  // e.g. "measured at 10 and 20 subfunctions"
};
SfoEstimate estimate_sfo(const Experiment& experiment, nn::Module& model,
                         const InitialWeights& initial, const data::Dataset& train,
                         const Settings& settings, int64_t subfunctions);

}  // namespace adamite::reproduce
