// The training loop: epochs of minibatch steps (forward, cross-entropy, backward, optimizer step),
// with an evaluation on the test set after each epoch.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

#include "adamite/data/dataloader.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/optim/averaging.hpp"
#include "adamite/optim/optimizer.hpp"
#include "adamite/optim/plateau.hpp"
#include "adamite/optim/schedule.hpp"

namespace adamite::distributed {
class Communicator;
}

namespace adamite::train {

struct EpochResult {
  int64_t epoch = 0;        // 1-based
  int64_t step = 0;         // optimizer steps taken so far
  double train_loss = 0.0;  // mean minibatch loss over the epoch (dropout on, as trained)
  double test_loss = 0.0;
  double test_accuracy = 0.0;
  // On FitOptions::validation (NaN without one); `best` when this epoch's validation loss is the
  // lowest so far (the weights to keep: save them in on_epoch).
  double validation_loss = std::numeric_limits<double>::quiet_NaN();
  double validation_accuracy = std::numeric_limits<double>::quiet_NaN();
  bool best = false;
  // FitOptions::plateau's learning-rate factor for the epochs after this one (1: none, or none
  // yet).
  double plateau_factor = 1.0;
  double seconds = 0.0;  // wall time since training started
};

// The six numbers of an epoch that every record of it stores (the CSV log's first columns, SFO's
// checkpoint, the reproduction's curves), in that order, and back.
constexpr size_t kEpochFields = 6;  // epoch, step, train_loss, test_loss, test_accuracy, seconds
inline std::array<double, kEpochFields> epoch_fields(const EpochResult& row) {
  return {double(row.epoch), double(row.step),  row.train_loss,
          row.test_loss,     row.test_accuracy, row.seconds};
}
inline EpochResult epoch_from_fields(const double* fields) {
  EpochResult row;
  row.epoch = int64_t(fields[0]);
  row.step = int64_t(fields[1]);
  row.train_loss = fields[2];
  row.test_loss = fields[3];
  row.test_accuracy = fields[4];
  row.seconds = fields[5];
  return row;
}

// Where training stands between two steps: enough, with the weights, optimizer, averaging and
// random-generator states, to continue exactly (a checkpoint stores it).
struct TrainingPosition {
  int64_t epoch = 0;      // the epoch in progress, 0-based
  int64_t batch = 0;      // its minibatches already trained on
  double loss_sum = 0.0;  // Σ loss·batch size over those minibatches (for the epoch's mean)
  int64_t examples = 0;   // and their examples
  // The lowest validation loss of the epochs before, and its epoch (1-based; 0: none yet).
  double best_validation_loss = std::numeric_limits<double>::infinity();
  int64_t best_epoch = 0;
  // FitOptions::plateau's state after the epochs before (complete epochs only).
  optim::PlateauState plateau{};
  double seconds = 0.0;  // the run's wall time up to here, earlier invocations included
};

// A loss or gradient stopped being finite. The message names the step, the loss and the first
// parameter holding non-finite values (weights or gradient), if any.
class NonFiniteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What fit asks of its caller and tells it, in one object: override what you need (the defaults
// do nothing, and the loss is cross-entropy). Every hook runs on every process of a
// data-parallel run.
class FitCallbacks {
 public:
  virtual ~FitCallbacks() = default;
  // The minibatch loss to minimise; cross-entropy of model(inputs) against the labels by default.
  // (The VAE of paper Fig. 4 returns its negative ELBO.) A mean over the batch's examples.
  virtual Tensor loss(nn::Module& model, const data::Batch& batch);
  // The default loss's label smoothing ε (ops/loss.hpp's cross_entropy); evaluation stays plain
  // cross-entropy, so test losses compare across settings.
  float label_smoothing = 0.0f;
  // After a step's gradients are complete (summed over the processes, clipped when asked) and
  // before the optimizer applies them: inspect or change them here.
  virtual void before_step(nn::Module& /*model*/, optim::Optimizer& /*optimizer*/) {}
  // After every optimizer step, with the step number (1-based) and that minibatch's loss, for
  // curves plotted per iteration (paper Fig. 3, left).
  virtual void on_iteration(int64_t /*step*/, double /*loss*/) {}
  // After every step with the 1-based epoch, its minibatches done and in all, and their running
  // mean loss (a progress bar).
  virtual void on_step(int64_t /*epoch*/, int64_t /*batch*/, int64_t /*of*/, double /*mean*/) {}
  virtual void on_epoch(const EpochResult& /*result*/) {}
  // After every optimizer step, and at the end of every epoch (after on_epoch) with epoch_end
  // set, with the position training would resume from: where checkpoints are taken.
  virtual void on_position(const TrainingPosition& /*next*/, bool /*epoch_end*/) {}
  // Polled once per step (e.g. a signal arrived); true makes fit return right after the
  // on_position call of that step. With several processes, a request on any of them stops all of
  // them after the same step; on_stop runs then, on every process, before that step's on_position
  // (which may want to checkpoint).
  virtual bool stop_requested() { return false; }
  virtual void on_stop() {}
};

struct FitOptions {
  int64_t epochs = 1;
  int64_t max_steps = -1;  // stop after this many optimizer steps (< 0: no limit)
  const optim::Schedule* schedule = nullptr;   // sets the learning-rate factor before every step
  optim::ParameterAverage* average = nullptr;  // updated after every step; evaluation uses it
  FitCallbacks* callbacks = nullptr;           // null: cross-entropy, nothing reported
  // > 0: the gradients' joint L2 norm is clipped to this before every step (nn::clip_grad_norm).
  double clip_grad_norm = 0.0;
  // Scored after every epoch, like `test` (EpochResult::validation_*): examples held out of the
  // training set (data::random_split) for choosing weights and when to stop, so that the test
  // set never is.
  const data::Dataset* validation = nullptr;
  // > 0 (needs `validation`): training ends once this many epochs in a row brought no lower
  // validation loss than the best one's.
  int64_t early_stop_patience = 0;
  // Set (needs `validation`): the learning rate is also multiplied by a factor that drops when the
  // validation loss stops falling (optim/plateau.hpp), observed after every complete epoch.
  std::optional<optim::PlateauRule> plateau;
  // Continue from here (a resumed run); the optimizer's step count is already restored.
  TrainingPosition start;

  // Data parallelism (docs/distributed.md). Every minibatch is split into micro_batches shards
  // per process of `world`; each process trains on its own shards one after another and the
  // gradients are summed over all shards of all processes, with one collective per step, before
  // the optimizer step: every process then holds the same weights. Equal to training on whole
  // minibatches up to float rounding (nn::Dropout's masks included); with one process and
  // micro_batches > 1 this is gradient accumulation. Evaluation is split over the processes too.
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
