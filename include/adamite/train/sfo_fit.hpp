// Training a classifier with the Sum-of-Functions Optimizer (optim::SFO): the training set is cut
// once into fixed minibatches, SFO's subfunctions, and SFO runs a given number of passes (one pass
// = N subfunction evaluations). The result has the same per-epoch rows as train::fit, one per
// pass, so `adamite train` and the reproduction harness report both the same way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "adamite/data/dataset.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/optim/sfo.hpp"
#include "adamite/train/fit.hpp"

namespace adamite::train {

struct SfoFitSpec {
  int64_t passes = 1;
  int64_t batch_size = 128;   // examples per subfunction; N = ⌈examples / batch_size⌉
  double weight_decay = 0.0;  // f_i = cross-entropy_i + (weight_decay / 2)·‖θ‖²
  uint64_t seed = 0;          // which examples form each minibatch (a seeded shuffle, kept fixed)
  optim::SFOOptions options;
  // Also evaluate the full-batch training cost (cross-entropy + L2 term) after every pass; its
  // time is left out of EpochResult::seconds.
  bool full_batch_cost = false;
  // A checkpoint file (optim::SFO::save plus this run's rows, buffers and dropout generator):
  // when set, fit_sfo continues from it if it exists, and writes it after the step at which
  // checkpoint_seconds have passed since the last write (0: at every pass's end), and when
  // stopped. A
  // resumed run gives the same bits as one never stopped. `identity` is stored in it and must
  // match on resume (CheckpointError listing the differences), as must N and SFO's options.
  std::filesystem::path checkpoint;
  double checkpoint_seconds = 1800.0;
  std::map<std::string, std::string> identity;
};

struct SfoFitResult {
  // One row per pass: train_loss is the mean cross-entropy of the subfunction evaluations in the
  // pass (like fit's mean minibatch loss), test_* after the pass, seconds since the start.
  std::vector<EpochResult> passes;
  std::vector<double> full_batch_costs;  // per pass, when asked for
  int64_t subfunctions = 0;              // N
  int64_t steps = 0, evaluations = 0, rejected_steps = 0;
  double seconds_per_step = 0.0;  // mean wall time of SFO::step(), its evaluations included
  int64_t state_bytes = 0;        // SFO's state at the end (its peak: P is allocated up front)
  int64_t parameters = 0;         // M
  bool stopped = false;           // FitCallbacks::stop_requested() ended it after a step
  int64_t resumed_from = 0;       // steps restored from the checkpoint (0: a fresh start)
};

// Whether the model has dropout switched on: SFO then sees a stochastic f_i and its curvature
// model is wrong (the SFO paper assumes deterministic subfunctions).
bool has_active_dropout(const nn::Module& model);

// Trains `model` in place. callbacks (may be null) get on_step after every SFO step (epoch = the
// pass in progress) and on_epoch after every pass (not again for the passes a checkpoint restored:
// they are in the result); their loss() is the minibatch cost; when their stop_requested() says so
// after a step, it saves the checkpoint (if any) and returns with `stopped` set. Throws
// NonFiniteError if SFO reaches a non-finite point.
SfoFitResult fit_sfo(nn::Module& model, const data::Dataset& train, const data::Dataset* test,
                     const SfoFitSpec& spec, FitCallbacks* callbacks = nullptr);

}  // namespace adamite::train
