#include "run_training.hpp"

#include <chrono>
#include <iomanip>
#include <sstream>

#include "adamite/random.hpp"
#include "adamite/train/evaluate.hpp"
#include "models/registry.hpp"
#include "second_moment_log.hpp"
#include "sfo_run.hpp"

namespace adamite::reproduce {
namespace {

using Clock = std::chrono::steady_clock;

// Progress, the per-iteration costs and a line per evaluated epoch, into the run's record; the
// time of each step (between two steps of an epoch, so no evaluation falls inside); and, when the
// experiment asks, the full-batch training cost after each epoch, its time left out of `seconds`.
struct RunCallbacks : StoppableRun {
  RunCallbacks(const RunPlan& run_plan, RunRecord& run_record, HarnessProgress& harness_progress,
               Session* run_session, const Resumable* run_resumable)
      : StoppableRun(run_record, run_session, run_resumable),
        plan(run_plan),
        progress(harness_progress) {}
  void on_step(int64_t epoch, int64_t batch, int64_t batches, double loss) override {
    const Clock::time_point now = Clock::now();
    if (batch > 1) {
      step_seconds += std::chrono::duration<double>(now - last_step).count();
      ++timed_steps;
    }
    last_step = now;
    progress.step(epoch, plan.epochs, batch, batches, loss);
  }
  void on_iteration(int64_t step, double loss) override {
    if (step <= plan.iteration_steps) record.iteration_costs.push_back(loss);
  }
  void on_epoch(const train::EpochResult& result) override {
    record.epochs.push_back(result);
    record.epochs.back().seconds += seconds_before - excluded_seconds;
    if (full_batch_model) {
      const Clock::time_point before = Clock::now();
      double squares = 0.0;
      for (const Tensor& p : full_batch_model->parameters())
        squares += p.array().cast<double>().square().sum();
      record.full_batch_costs.push_back(train::evaluate(*full_batch_model, *full_batch_data).loss +
                                        0.5 * weight_decay * squares);
      full_batch_model->train();
      excluded_seconds += std::chrono::duration<double>(Clock::now() - before).count();
    }
    if (second_moment_model) {
      const Clock::time_point before = Clock::now();
      for (SecondMomentRow& row :
           second_moment_rows(run->optimizer(), *second_moment_model, *hyper, result.epoch))
        record.second_moment.push_back(std::move(row));
      excluded_seconds += std::chrono::duration<double>(Clock::now() - before).count();
    }
    if (plan.evaluate) {
      std::ostringstream text;
      text << record.contender.label << " lr " << plan.lr << ": epoch " << result.epoch << "/"
           << plan.epochs << " train cost " << std::setprecision(4) << result.train_loss
           << " test accuracy " << std::fixed << std::setprecision(2)
           << 100.0 * result.test_accuracy << "%";
      progress.line(text.str());
    }
  }
  const RunPlan& plan;
  HarnessProgress& progress;
  double seconds_before = 0.0;             // a resumed run's wall time before this invocation
  nn::Module* full_batch_model = nullptr;  // set: evaluate the training cost after each epoch
  const data::Dataset* full_batch_data = nullptr;
  nn::Module* second_moment_model = nullptr;  // set: log Adam's √v̂ after each epoch (§6.3)
  const optim::Hyperparameters* hyper = nullptr;
  double weight_decay = 0.0, excluded_seconds = 0.0, step_seconds = 0.0;
  int64_t timed_steps = 0;
  Clock::time_point last_step;
};

}  // namespace

void StoppableRun::on_position(const train::TrainingPosition& next, bool epoch_end) {
  if (!resumable || !(epoch_end || stopping)) return;
  // A step can leave weights non-finite under a finite loss (the next loss shows it): that is a
  // divergence, recorded as one, not a checkpoint refused, which would end every rerun the same.
  for (const optim::ParamGroup& group : run->optimizer().param_groups())
    for (const Tensor& p : group.params)
      if (!p.array().allFinite())
        throw train::NonFiniteError(record.contender.label +
                                    ": the weights stopped being finite "
                                    "at step " +
                                    std::to_string(run->optimizer().step_count()));
  run->save_checkpoint(resumable->store.checkpoint_dir(record.contender.label), next,
                       resumable->identity);
  resumable->store.save_curves(record);
}

bool StoppableRun::stop_requested() {
  if (!session) return false;
  if (resumable && session->steps_left > 0) --session->steps_left;
  stopping =
      (resumable && session->steps_left == 0) || (session->stop_signal && session->stop_signal());
  return stopping;
}

double StoppableRun::resume(train::Run& training, HarnessProgress& progress,
                            train::TrainingPosition& start) {
  run = &training;
  if (!resumable) return 0.0;
  const std::filesystem::path dir = resumable->store.checkpoint_dir(record.contender.label);
  if (!std::filesystem::exists(train::checkpoint_file(dir))) return 0.0;
  try {
    start = run->resume(dir, resumable->identity);
    start.seconds = 0.0;  // the harness counts from its curves (without full-batch evaluations)
  } catch (const train::CheckpointError& error) {
    progress.line(record.contender.label + ": starting afresh (" + error.what() + ")");
    return 0.0;
  }
  resumable->store.load_curves(record.contender.label, record);
  record.epochs.resize(std::min<size_t>(record.epochs.size(), size_t(start.epoch)));
  if (record.full_batch_costs.size() > record.epochs.size())
    record.full_batch_costs.resize(record.epochs.size());
  std::erase_if(record.second_moment,
                [&](const SecondMomentRow& row) { return row.epoch > start.epoch; });
  if (int64_t(record.iteration_costs.size()) > run->optimizer().step_count())
    record.iteration_costs.resize(size_t(run->optimizer().step_count()));
  progress.line(record.contender.label + ": resuming from its checkpoint at epoch " +
                std::to_string(start.epoch + 1) + ", step " +
                std::to_string(run->optimizer().step_count()));
  return record.epochs.empty() ? 0.0 : record.epochs.back().seconds;
}

void StoppableRun::throw_if_stopped(int64_t step) const {
  if (!stopping || record.diverged) return;
  const std::string where = record.contender.label + " stopped at step " + std::to_string(step);
  throw Stopped(resumable ? where + " (checkpoint saved); the same command continues it"
                          : where + " of its learning-rate trials, which start over next time");
}

std::shared_ptr<nn::Module> build_model(const Experiment& experiment, const data::Dataset& train,
                                        bool dropout) {
  models::ModelConfig config;
  config.example_shape = train.example_shape();
  config.classes = train.num_classes;
  config.input_dropout = dropout ? experiment.input_dropout : 0.0f;
  config.hidden_dropout = dropout ? experiment.hidden_dropout : 0.0f;
  config.logreg_input_dropout = true;  // Fig. 1 (right): dropout noise on bag-of-words features
  return models::make_model(experiment.model, config);
}

RunRecord train_run(const Experiment& experiment, const RunPlan& plan, const data::Splits& splits,
                    const InitialWeights& initial, const Settings& settings,
                    HarnessProgress& progress, Session* session, const Resumable* resumable) {
  const Contender& contender = *plan.contender;
  RunRecord record;
  record.contender = contender;
  record.lr = plan.lr;
  // The same dropout masks and data order for every optimizer.
  manual_seed(settings.seed + 1);
  auto model = build_model(experiment, splits.train, contender.dropout);
  initial.load_into(*model);
  const std::string checksum = initial.checksum();
  if (contender.optimizer == "sfo") {
    const auto run = [&] {
      return run_sfo(experiment, contender, *model, plan.epochs, splits, settings, progress,
                     session, resumable);
    };
    try {
      record = run();
    } catch (const train::CheckpointError& error) {  // as a first-order run's: start afresh
      progress.line(contender.label + ": starting afresh (" + error.what() + ")");
      std::filesystem::remove(
          train::checkpoint_file(resumable->store.checkpoint_dir(contender.label)));
      manual_seed(settings.seed + 1);
      initial.load_into(*model);
      record = run();
    }
    record.init_checksum = checksum;
    return record;
  }
  record.init_checksum = checksum;

  train::RunSpec spec;
  spec.optimizer = contender.optimizer;
  spec.hyper = contender.hyper;
  spec.hyper.lr = plan.lr;
  if (experiment.weight_decay > 0) spec.hyper.weight_decay = experiment.weight_decay;
  spec.epochs = plan.epochs;
  spec.max_steps = plan.max_steps;
  spec.batch_size = settings.batch_size;
  spec.seed = settings.seed;
  spec.schedule = experiment.schedule;
  spec.average = contender.average;
  train::Run run(spec, *model, splits.train);
  train::FitOptions options = run.fit_options();
  RunCallbacks callbacks(plan, record, progress, session, resumable);
  if (experiment.full_batch_cost && plan.evaluate) {
    callbacks.full_batch_model = model.get();
    callbacks.full_batch_data = &splits.train;
    callbacks.weight_decay = experiment.weight_decay;
  }
  if (experiment.model == "cnn" && contender.optimizer == "adam" && plan.evaluate) {
    callbacks.second_moment_model = model.get();
    callbacks.hyper = &spec.hyper;
  }
  callbacks.seconds_before = callbacks.resume(run, progress, options.start);
  options.callbacks = &callbacks;
  const auto start = std::chrono::steady_clock::now();
  try {
    run.fit(plan.evaluate ? &splits.test : nullptr, options);
  } catch (const train::NonFiniteError& error) {
    // A learning rate too large for this optimizer: record it and go on with the others.
    record.diverged = true;
    record.divergence = error.what();
  }
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() -
                   callbacks.excluded_seconds + callbacks.seconds_before;
  if (callbacks.timed_steps > 0)
    record.seconds_per_step = callbacks.step_seconds / double(callbacks.timed_steps);
  callbacks.throw_if_stopped(run.optimizer().step_count());
  return record;
}

}  // namespace adamite::reproduce
