#include "adamite/train/run.hpp"

#include <algorithm>

namespace adamite::train {

Run::Run(const RunSpec& spec, nn::Module& model, const data::Dataset& train)
    : spec_(spec),
      model_(model),
      optimizer_(optim::make_optimizer(spec.optimizer, model.parameters(), spec.hyper)),
      loader_(train, spec.batch_size, spec.shuffle, spec.seed) {
  optim::ScheduleContext context;
  context.steps_per_epoch = loader_.batches_per_epoch();
  context.total_steps = total_steps();
  context.warmup_steps = spec.warmup;
  plateau_ = optim::parse_plateau(spec.schedule);
  schedule_ = optim::make_schedule(plateau_ ? "constant" : spec.schedule, context);
  loader_.set_augmentation(data::Augmentation::parse(spec.augment));
  if (!spec.average.empty())
    average_ = optim::ParameterAverage::parse(spec.average, model.parameters());
}

int64_t Run::total_steps() const {
  if (spec_.max_steps > 0) return spec_.max_steps;
  return std::max<int64_t>(1, spec_.epochs * loader_.batches_per_epoch());
}

FitOptions Run::fit_options() {
  FitOptions options;
  options.epochs = spec_.epochs;
  options.max_steps = spec_.max_steps;
  options.schedule = schedule_.get();
  options.plateau = plateau_;
  options.average = average_.get();
  options.clip_grad_norm = spec_.clip_grad_norm;
  return options;
}

std::string Run::describe_schedule() const {
  return schedule_->describe() + (plateau_ ? ", " + optim::describe(*plateau_) : std::string());
}

std::vector<EpochResult> Run::fit(const data::Dataset* test, const FitOptions& options) {
  return train::fit(model_, *optimizer_, loader_, test, options);
}

TrainingPosition Run::resume(const std::filesystem::path& dir, const RunConfig& identity) {
  const TrainingPosition position =
      load_checkpoint(dir, model_, *optimizer_, average_.get(), identity);
  // A resume that would train nothing is a mistake in the command line, never a silent success.
  const int64_t step = optimizer_->step_count();
  if (spec_.max_steps > 0 && step >= spec_.max_steps)
    throw CheckpointError(checkpoint_file(dir).string() + " is at step " + std::to_string(step) +
                          ", this run stops at --max-steps " + std::to_string(spec_.max_steps) +
                          ": nothing left to train (give a larger --max-steps)");
  if (position.epoch >= spec_.epochs)
    throw CheckpointError(checkpoint_file(dir).string() + " is at the end of epoch " +
                          std::to_string(position.epoch) + ", this run has --epochs " +
                          std::to_string(spec_.epochs) +
                          ": nothing left to train (give a larger --epochs)");
  return position;
}

bool Run::checkpoint_due(bool epoch_end) const {
  if (spec_.checkpoint_every == 0) return epoch_end;
  return !epoch_end && optimizer_->step_count() % spec_.checkpoint_every == 0;
}

void Run::save_checkpoint(const std::filesystem::path& dir, const TrainingPosition& next,
                          const RunConfig& identity, const RunConfig& settings) const {
  train::save_checkpoint(dir, model_, *optimizer_, average_.get(), next, identity, settings);
}

}  // namespace adamite::train
