// One training run set up from its description, the same way for `adamite train` and the
// reproduction harness: the optimizer (by registry name), the seeded data order, the learning-rate
// schedule, the averaged weights, and when checkpoints are due.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adamite/data/dataloader.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/optim/averaging.hpp"
#include "adamite/optim/plateau.hpp"
#include "adamite/optim/registry.hpp"
#include "adamite/optim/schedule.hpp"
#include "adamite/train/checkpoint.hpp"
#include "adamite/train/fit.hpp"

namespace adamite::train {

struct RunSpec {
  std::string optimizer = "adam";  // a name in optim::optimizer_registry()
  optim::Hyperparameters hyper;
  int64_t epochs = 1;
  int64_t max_steps = -1;  // stop after this many optimizer steps (< 0: whole epochs)
  int64_t batch_size = 128;
  bool shuffle = true;
  uint64_t seed = 0;  // the data order
  // optim::make_schedule's forms (kScheduleForms), or optim::parse_plateau's "plateau:F:P"
  // (train with a validation set then: FitOptions::validation).
  std::string schedule = "constant";
  int64_t warmup = 0;            // linear learning-rate warm-up steps
  std::string average;           // "" (none), or ParameterAverage::parse's "ema:BETA", "polyak"
  int64_t checkpoint_every = 0;  // optimizer steps between checkpoints; 0: every epoch's end
  double clip_grad_norm = 0.0;   // > 0: clip the gradients' joint L2 norm to this every step
  std::string augment = "none";  // data::Augmentation::parse's forms, e.g. "crop:4,flip"
};

class Run {
 public:
  // Throws std::invalid_argument for an unknown optimizer or a bad hyper-parameter, schedule or
  // averaging spec. `model` and `train` must outlive the run.
  Run(const RunSpec& spec, nn::Module& model, const data::Dataset& train);

  const RunSpec& spec() const { return spec_; }
  // The run's length in optimizer steps: max_steps, or every minibatch of every epoch.
  int64_t total_steps() const;
  optim::Optimizer& optimizer() { return *optimizer_; }
  data::DataLoader& loader() { return loader_; }
  // E.g. "constant, linear warm-up over 100 steps, x0.5 once 4 epochs in a row bring ...".
  std::string describe_schedule() const;
  optim::ParameterAverage* average() { return average_.get(); }

  // The spec's length, schedule and average; the caller adds callbacks, a start, a world.
  FitOptions fit_options();
  std::vector<EpochResult> fit(const data::Dataset* test, const FitOptions& options);

  // Restores a checkpoint of this run (same `identity`) and returns where to continue.
  TrainingPosition resume(const std::filesystem::path& dir, const RunConfig& identity);
  // Whether the position after a step (or, with epoch_end, after an epoch) is one to checkpoint.
  bool checkpoint_due(bool epoch_end) const;
  void save_checkpoint(const std::filesystem::path& dir, const TrainingPosition& next,
                       const RunConfig& identity, const RunConfig& settings = {}) const;

 private:
  RunSpec spec_;
  nn::Module& model_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  data::DataLoader loader_;
  std::unique_ptr<optim::Schedule> schedule_;  // constant under a plateau schedule
  std::optional<optim::PlateauRule> plateau_;
  std::unique_ptr<optim::ParameterAverage> average_;
};

}  // namespace adamite::train
