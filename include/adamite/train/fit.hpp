// The training loop: epochs of minibatch steps (forward, cross-entropy, backward, optimizer step),
// with an evaluation on the test set after each epoch.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include "adamite/data/dataloader.hpp"
#include "adamite/distributed/communicator.hpp"
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

// Where training stands between two steps: enough, with the weights, optimizer, averaging and
// random-generator states, to continue exactly (a checkpoint stores it).
struct TrainingPosition {
  int64_t epoch = 0;      // the epoch in progress, 0-based
  int64_t batch = 0;      // its minibatches already trained on
  double loss_sum = 0.0;  // Σ loss·batch size over those minibatches (for the epoch's mean)
  int64_t examples = 0;   // and their examples
};

// A loss or gradient stopped being finite. The message names the step, the loss and the first
// parameter holding non-finite values (weights or gradient), if any.
class NonFiniteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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
  // Continue from here (a resumed run); the optimizer's step count is already restored.
  TrainingPosition start;
  // Called after every optimizer step, and at the end of every epoch (after on_epoch) with
  // epoch_end set, with the position training would resume from: where checkpoints are taken.
  std::function<void(const TrainingPosition& next, bool epoch_end)> on_position;
  // Polled after every step (e.g. a signal arrived); true makes fit return at once, right after
  // the on_position call of that step. With several processes, a request on any of them stops
  // all of them after the same step. on_stop runs then, on every process, before that step's
  // on_position (which may want to checkpoint).
  std::function<bool()> stop_requested;
  std::function<void()> on_stop;

  // Data parallelism (docs/distributed.md). Every minibatch is split into micro_batches shards
  // per process of `world`; each process trains on its own shards one after another and the
  // gradients are summed over all shards of all processes, with one collective per step, before
  // the optimizer step: every process then holds the same weights. Equal to training on whole
  // minibatches up to float rounding (dropout masks included); with one process and
  // micro_batches > 1 this is gradient accumulation. The loss must be a mean over the batch.
  // Evaluation is split over the processes too. Callbacks run on every process.
  distributed::Communicator* world = nullptr;  // null: this process alone
  int64_t micro_batches = 1;
  // Sum the processes' gradients in rank order (Communicator::sum_in_rank_order): bitwise equal
  // to one process with micro_batches = processes × micro_batches, at processes× the traffic.
  bool rank_order_reduce = false;
};

// Trains `model` and returns one result per epoch (the last may be partial under max_steps).
// Throws NonFiniteError when the loss stops being finite (on_epoch and on_position have by then
// seen everything before that step, and the optimizer has not applied it).
std::vector<EpochResult> fit(nn::Module& model, optim::Optimizer& optimizer,
                             data::DataLoader& loader, const data::Dataset* test,
                             const FitOptions& options);

}  // namespace adamite::train
