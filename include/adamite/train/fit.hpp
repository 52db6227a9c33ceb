// The training loop: epochs of minibatch steps (forward, cross-entropy, backward, optimizer step),
// with an evaluation on the test set after each epoch.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "adamite/data/dataloader.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/optim/averaging.hpp"
#include "adamite/optim/optimizer.hpp"
#include "adamite/optim/schedule.hpp"

namespace adamite::train {

struct EpochResult {
  int64_t epoch = 0;        // 1-based
  int64_t step = 0;         // optimizer steps taken so far
  double train_loss = 0.0;  // mean minibatch loss over the epoch (dropout on, as trained)
  double test_loss = 0.0;
  double test_accuracy = 0.0;
  double seconds = 0.0;  // wall time since training started
};

struct FitOptions {
  int64_t epochs = 1;
  int64_t max_steps = -1;  // stop after this many optimizer steps (< 0: no limit)
  const optim::Schedule* schedule = nullptr;   // sets the learning-rate factor before every step
  optim::ParameterAverage* average = nullptr;  // updated after every step; evaluation uses it
  // The minibatch loss to minimise; empty means cross-entropy of model(inputs) against the labels.
  // (The VAE of paper Fig. 4 supplies its negative ELBO here.)
  std::function<Tensor(nn::Module& model, const data::Batch& batch)> loss;
  // Called after every optimizer step with the step number (1-based) and that minibatch's loss,
  // for curves plotted per iteration (paper Fig. 3, left).
  std::function<void(int64_t step, double loss)> on_iteration;
  // Called with the running mean loss after every step (a progress bar), and after every epoch.
  std::function<void(int64_t epoch, int64_t batch, int64_t batches, double loss)> on_step;
  std::function<void(const EpochResult&)> on_epoch;
};

// Trains `model` and returns one result per epoch (the last may be partial under max_steps).
// Throws std::runtime_error naming the step when the loss stops being finite; on_epoch has by then
// seen every finished epoch.
std::vector<EpochResult> fit(nn::Module& model, optim::Optimizer& optimizer,
                             data::DataLoader& loader, const data::Dataset* test,
                             const FitOptions& options);

}  // namespace adamite::train
