// `adamite train --optimizer sfo`: the Sum-of-Functions Optimizer on a deterministic cost. SFO is
// not a step(gradient) optimizer (optim::SFO), so it gets its own loop (train::fit_sfo): the
// training set cut once into fixed minibatches, one pass = one evaluation per minibatch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adamite/data/dataset.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/train/fit.hpp"
#include "train_args.hpp"

namespace adamite::cli {

struct SfoTrainRequest {
  int64_t passes = 1, batch_size = 128;
  double weight_decay = 0.0;
  uint64_t seed = 0;
  std::string log;  // CSV path, "" for none
};

// Why SFO cannot train this model as asked, in one line ("" when it can): SFO assumes each
// subfunction is deterministic, so dropout is refused rather than run to no result.
std::string sfo_refusal(const nn::Module& model);

// Trains `model`, printing a line per pass and SFO's time per step and memory at the end.
std::vector<train::EpochResult> train_with_sfo(nn::Module& model, const data::Splits& splits,
                                               const SfoTrainRequest& request);

// The options of the step-by-step loop that SFO would ignore are refused (UsageError).
void check_sfo_options(const TrainArgs& args);
// With the model built: prints the run's header, trains, saves when asked.
void run_train_sfo(const TrainArgs& args, nn::Module& model, const data::Splits& splits);

}  // namespace adamite::cli
