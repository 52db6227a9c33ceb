// Internal to src/train: fit_sfo's part of an SFO checkpoint (sfo_fit.hpp), beside optim::SFO's
// own: where the run is, its rows so far, the model's buffers and the dropout generator, as
// float64 arrays (exact), and the run's identity in the metadata.
#pragma once

#include <cstdint>
#include <vector>

#include "adamite/nn/module.hpp"
#include "adamite/optim/sfo.hpp"
#include "adamite/train/fit.hpp"
#include "adamite/train/sfo_fit.hpp"

namespace adamite::train {

struct SfoFitState {
  int64_t completed = 0;            // passes finished
  double pass_cross_entropy = 0.0;  // Σ over the evaluations of the pass in progress
  int64_t pass_evaluations = 0;
  double elapsed_before = 0.0;  // wall time of earlier invocations (full-batch costs excluded)
  double stepping = 0.0;        // time inside SFO::step(), every invocation
  std::vector<EpochResult> rows;
  std::vector<double> full_batch_costs;
};

// Writes spec.checkpoint through SFO::save (atomically); `elapsed`: the run's wall time so far.
void save_sfo_fit(const SfoFitSpec& spec, const optim::SFO& sfo, const nn::Module& model,
                  const SfoFitState& state, double elapsed);
// Restores the optimizer, the parameters, the buffers and the dropout generator, and returns the
// run's state. CheckpointError (listing every difference) when the file belongs to another run,
// and for a damaged or unreadable one.
SfoFitState restore_sfo_fit(const SfoFitSpec& spec, optim::SFO& sfo, nn::Module& model);

}  // namespace adamite::train
