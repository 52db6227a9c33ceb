#include "adamite/train/fit.hpp"

#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "adamite/denormals.hpp"
#include "adamite/detail/storage_pool.hpp"
#include "adamite/nn/clip_grad.hpp"
#include "adamite/ops/loss.hpp"
#include "adamite/train/averaged_model.hpp"
#include "adamite/train/evaluate.hpp"
#include "training_step.hpp"

namespace adamite::train {
namespace {

// The first parameter holding a non-finite weight or gradient, e.g. "2.weight (weights)".
std::string first_non_finite(const nn::Module& model) {
  for (const auto& [name, parameter] : model.named_parameters()) {
    if (!parameter.array().allFinite()) return name + " (weights)";
    const Tensor grad = parameter.grad();
    if (grad.defined() && !grad.array().allFinite()) return name + " (gradient)";
  }
  return "";
}

NonFiniteError diverged(const nn::Module& model, float loss, int64_t step, int64_t epoch) {
  const std::string culprit = first_non_finite(model);
  std::ostringstream message;
  message << "training diverged: loss is " << loss << " at step " << step << " (epoch " << epoch
          << "); ";
  if (!culprit.empty()) {
    message << "first parameter with non-finite values: " << culprit;
  } else {  // finite weights so large that the forward pass overflowed: say which and how large
    std::string largest;
    float magnitude = 0.0f;
    for (const auto& [name, parameter] : model.named_parameters()) {
      const float m = parameter.array().abs().maxCoeff();
      if (m > magnitude) magnitude = m, largest = name;
    }
    message << "every parameter is finite but the forward pass overflowed (largest weight "
            << magnitude << " in " << largest << ")";
  }
  message << "; try a smaller learning rate";
  return NonFiniteError(message.str());
}

}  // namespace

Tensor FitCallbacks::loss(nn::Module& model, const data::Batch& batch) {
  return cross_entropy(model.forward(batch.inputs), batch.labels, label_smoothing);
}

std::vector<EpochResult> fit(nn::Module& model, optim::Optimizer& optimizer,
                             data::DataLoader& loader, const data::Dataset* test,
                             const FitOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const FlushDenormals flush_denormals;  // adamite/denormals.hpp: up to 10x on some CPUs
  std::vector<EpochResult> history;
  int64_t step = optimizer.step_count();
  if (options.micro_batches < 1)
    throw std::invalid_argument("fit: micro_batches must be at least 1, got " +
                                std::to_string(options.micro_batches));
  if (options.early_stop_patience < 0 ||
      (options.early_stop_patience > 0 && options.validation == nullptr))
    throw std::invalid_argument(
        "fit: early_stop_patience must be >= 0 and needs a validation "
        "set, got " +
        std::to_string(options.early_stop_patience) + (options.validation ? "" : " without one"));
  if (options.plateau && options.validation == nullptr)
    throw std::invalid_argument(
        "fit: a plateau schedule follows the validation loss and needs a validation set");
  if (!(options.clip_grad_norm >= 0.0))
    throw std::invalid_argument("fit: clip_grad_norm must be >= 0 (0: off), got " +
                                std::to_string(options.clip_grad_norm));
  FitCallbacks defaults;
  FitCallbacks& callbacks = options.callbacks ? *options.callbacks : defaults;
  distributed::Communicator& world = options.world ? *options.world : distributed::this_process();
  detail::TrainingStep training_step(model, world, options.micro_batches,
                                     options.rank_order_reduce);
  const std::vector<Tensor> parameters = model.parameters();  // listed once, not per step
  // Every process starts from rank 0's weights and buffers (its own random or loaded ones may
  // differ).
  if (world.size() > 1)
    for (const auto& [name, t] : model.named_state())
      world.broadcast({t.data(), size_t(t.numel())}, 0);
  // EpochResult::seconds counts from the run's start, across resumes.
  const auto elapsed = [&] {
    return options.start.seconds +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  double best_loss = options.start.best_validation_loss;
  int64_t best_epoch = options.start.best_epoch;
  optim::PlateauState plateau = options.start.plateau;
  // Where an epoch starts, given what the epochs before it left.
  const auto epoch_start = [&](int64_t epoch) {
    TrainingPosition next;
    next.epoch = epoch;
    next.best_validation_loss = best_loss;
    next.best_epoch = best_epoch;
    next.plateau = plateau;
    return next;
  };
  // A position no epoch of this loader can reach (an edited checkpoint: batch 999999999 trained
  // nothing and reported a result; examples 2^53 printed a training loss of 0) is refused.
  const auto check_resumed_position = [](const TrainingPosition& at, const data::DataLoader& data) {
    const int64_t size = data.batch_size();
    if (at.batch > data.batches_per_epoch() || at.examples > at.batch * size ||
        (at.batch > 0 && at.examples <= (at.batch - 1) * size))
      throw std::invalid_argument(
          "resume: batch " + std::to_string(at.batch) + " with " + std::to_string(at.examples) +
          " examples seen does not fit an epoch of " + std::to_string(data.batches_per_epoch()) +
          " batches of " + std::to_string(size) +
          "; the checkpoint was edited or is another run's");
  };
  const auto patience_ran_out = [&](int64_t epochs_done) {
    return options.early_stop_patience > 0 && best_epoch > 0 &&
           epochs_done - best_epoch >= options.early_stop_patience;
  };
  for (int64_t epoch = options.start.epoch; epoch < options.epochs; ++epoch) {
    if (options.max_steps >= 0 && step >= options.max_steps) break;
    if (patience_ran_out(epoch)) break;  // a resumed run that had stopped early stays stopped
    model.train();
    loader.start_epoch(epoch);
    // A resumed run picks its first epoch up where the checkpoint left it.
    TrainingPosition position = epoch == options.start.epoch ? options.start : epoch_start(epoch);
    if (epoch == options.start.epoch) check_resumed_position(position, loader);
    loader.skip(position.batch);
    data::Batch batch;
    while ((options.max_steps < 0 || step < options.max_steps) && loader.next(batch)) {
      const auto [loss, stop] = training_step.run(batch, callbacks);
      if (!std::isfinite(loss)) throw diverged(model, loss, step + 1, epoch + 1);
      if (options.clip_grad_norm > 0.0) nn::clip_grad_norm(parameters, options.clip_grad_norm);
      callbacks.before_step(model, optimizer);
      if (options.plateau)  // the schedule's factor for this step, times the plateau's
        optimizer.set_lr_factor(
            plateau.lr_factor *
            (options.schedule ? options.schedule->factor(optimizer.step_count() + 1) : 1.0));
      else if (options.schedule)
        options.schedule->apply(optimizer);
      optimizer.step();
      if (options.average) options.average->update();
      ++step;
      callbacks.on_iteration(step, loss);
      position.loss_sum += double(loss) * double(batch.size());
      position.examples += batch.size();
      ++position.batch;
      callbacks.on_step(epoch + 1, position.batch, loader.batches_per_epoch(),
                        position.loss_sum / double(position.examples));
      if (stop) callbacks.on_stop();
      position.seconds = elapsed();
      callbacks.on_position(position, false);
      if (stop) return history;
    }
    // --max-steps may end the run inside an epoch: its checkpoint is that mid-epoch position, so
    // that a resume with a larger --max-steps goes on from the very next batch, with what the
    // epochs before it left (a partial epoch's validation loss counts neither as a best nor for
    // the plateau, as it would not have in a run that went on).
    const bool epoch_complete = position.batch >= loader.batches_per_epoch();
    EpochResult result;
    result.epoch = epoch + 1;
    result.step = step;
    result.train_loss = position.examples ? position.loss_sum / double(position.examples) : 0.0;
    if (test != nullptr || options.validation != nullptr) {
      std::optional<AveragedModelScope> averaged;  // evaluate the averaged weights
      if (options.average) averaged.emplace(model, *options.average, loader);
      // Evaluation batches have other sizes than training ones, so the blocks each phase leaves
      // cached are of no use to the other: released on both sides, they never add up (a CNN
      // run's peak memory went down by 137 MB). It costs a few page faults once per epoch.
      adamite::detail::release_cached_storage();
      if (test != nullptr) {
        const Evaluation evaluation = evaluate(model, *test, kEvaluationBatch, &world);
        result.test_loss = evaluation.loss;
        result.test_accuracy = evaluation.accuracy;
      }
      if (options.validation != nullptr) {
        const Evaluation evaluation =
            evaluate(model, *options.validation, kEvaluationBatch, &world);
        result.validation_loss = evaluation.loss;
        result.validation_accuracy = evaluation.accuracy;
        result.best = evaluation.loss < best_loss;
        if (result.best) best_loss = evaluation.loss, best_epoch = epoch + 1;
        if (options.plateau && epoch_complete)
          plateau = optim::observe_plateau(*options.plateau, plateau, evaluation.loss);
        result.plateau_factor = plateau.lr_factor;
      }
      adamite::detail::release_cached_storage();
    }
    result.seconds = elapsed();
    history.push_back(result);
    callbacks.on_epoch(result);
    TrainingPosition next = epoch_complete ? epoch_start(epoch + 1) : position;
    next.seconds = result.seconds;
    callbacks.on_position(next, true);
    if (epoch_complete && patience_ran_out(epoch + 1)) break;
  }
  return history;
}

}  // namespace adamite::train
