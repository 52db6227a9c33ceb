#include "classifier_experiment.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "adamite/random.hpp"
#include "adamite/train/evaluate.hpp"
#include "adamite/train/run.hpp"
#include "experiment_data.hpp"
#include "harness_progress.hpp"
#include "initial_weights.hpp"
#include "models/registry.hpp"
#include "outputs.hpp"
#include "rate_search.hpp"
#include "sfo_run.hpp"

namespace adamite::reproduce {
namespace {

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

struct RunPlan {
  const Contender* contender = nullptr;
  double lr = 0.0;
  int64_t epochs = 1;
  int64_t max_steps = -1;       // trials stop early
  bool evaluate = true;         // trials skip the test set
  int64_t iteration_steps = 0;  // record per-iteration costs for this many steps
};

using Clock = std::chrono::steady_clock;

// Progress, the per-iteration costs and a line per evaluated epoch, into the run's record; the
// time of each step (between two steps of an epoch, so no evaluation falls inside); and, when the
// experiment asks, the full-batch training cost after each epoch, its time left out of `seconds`.
struct RunCallbacks : train::FitCallbacks {
  RunCallbacks(const RunPlan& run_plan, RunRecord& run_record, HarnessProgress& harness_progress)
      : plan(run_plan), record(run_record), progress(harness_progress) {}
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
    record.epochs.back().seconds -= excluded_seconds;
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
  RunRecord& record;
  HarnessProgress& progress;
  nn::Module* full_batch_model = nullptr;  // set: evaluate the training cost after each epoch
  const data::Dataset* full_batch_data = nullptr;
  double weight_decay = 0.0, excluded_seconds = 0.0, step_seconds = 0.0;
  int64_t timed_steps = 0;
  Clock::time_point last_step;
};

RunRecord train_run(const Experiment& experiment, const RunPlan& plan, const data::Splits& splits,
                    const InitialWeights& initial, const Settings& settings,
                    HarnessProgress& progress) {
  const Contender& contender = *plan.contender;
  RunRecord record;
  record.contender = contender;
  record.lr = plan.lr;
  // The same dropout masks and data order for every optimizer.
  manual_seed(settings.seed + 1);
  auto model = build_model(experiment, splits.train, contender.dropout);
  initial.load_into(*model);
  const std::string checksum = weights_checksum(*model);
  if (contender.optimizer == "sfo") {
    record = run_sfo(experiment, contender, *model, plan.epochs, splits, settings, progress);
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
  RunCallbacks callbacks(plan, record, progress);
  if (experiment.full_batch_cost && plan.evaluate) {
    callbacks.full_batch_model = model.get();
    callbacks.full_batch_data = &splits.train;
    callbacks.weight_decay = experiment.weight_decay;
  }
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
                   callbacks.excluded_seconds;
  if (callbacks.timed_steps > 0)
    record.seconds_per_step = callbacks.step_seconds / double(callbacks.timed_steps);
  return record;
}

std::string cache_key(const Experiment& experiment, const Contender& contender, const Scale& scale,
                      const Settings& settings) {
  std::ostringstream key;
  key << experiment.dataset << '|' << experiment.model << '|' << scale.train_subset << '|'
      << scale.search_steps << '|' << settings.seed << '|' << settings.batch_size << '|'
      << experiment.weight_decay << '|' << experiment.schedule << '|' << contender.optimizer << '|'
      << contender.dropout << '|' << experiment.input_dropout << '|' << experiment.hidden_dropout
      << '|' << contender.hyper.beta1.value_or(-1) << '|' << contender.hyper.beta2.value_or(-1)
      << '|' << contender.hyper.bias_correction;
  for (double lr : contender.lr_grid) key << '|' << lr;
  return key.str();
}

}  // namespace

ExperimentResult run_classifier_experiment(const Experiment& experiment, const Settings& settings,
                                           SearchCache& cache) {
  ExperimentResult result;
  result.experiment = experiment;
  result.scale = scale_for(experiment.dataset, experiment.model, experiment.epochs, settings);
  if (settings.quick && experiment.quick_train_subset > 0 && !settings.train_subset) {
    result.scale.train_subset = experiment.quick_train_subset;
    result.scale.search_steps = std::min<int64_t>(
        result.scale.search_steps,
        (experiment.quick_train_subset + settings.batch_size - 1) / settings.batch_size);
  }
  const Scale& scale = result.scale;
  const data::Splits splits =
      experiment_data(experiment.dataset, scale.train_subset, scale.test_subset, settings.seed);
  result.train_examples = splits.train.size();
  result.test_examples = splits.test.size();
  result.batch_size = settings.batch_size;
  result.batches_per_epoch = (splits.train.size() + settings.batch_size - 1) / settings.batch_size;

  // One initial model for every run (its dropout layers hold no weights).
  manual_seed(settings.seed);
  const InitialWeights initial(*build_model(experiment, splits.train, true));

  // Plan the work first, so that the progress display can give an ETA for all of it.
  const RateSearchPlan search{scale.search_steps};
  int64_t planned = 0;
  for (const Contender& c : experiment.contenders) {
    if (c.lr_from.empty() && c.lr_grid.size() > 1 &&
        !cache.count(cache_key(experiment, c, scale, settings)))
      planned += search_steps_planned(c.lr_grid.size(), search);
    planned += scale.epochs * result.batches_per_epoch;
  }
  HarnessProgress progress(experiment.id, planned);
  const auto total = int64_t(experiment.contenders.size());

  std::map<std::string, double> chosen;
  for (const Contender& contender : experiment.contenders) {
    double lr = contender.lr_grid.empty() ? 0.0 : contender.lr_grid.front();
    if (!contender.lr_from.empty()) {
      lr = chosen.at(contender.lr_from);
    } else if (contender.lr_grid.size() > 1) {
      const std::string key = cache_key(experiment, contender, scale, settings);
      if (!cache.count(key)) {
        int64_t index = 0;
        const auto trial = [&](double candidate, int64_t steps) {
          progress.start_run("lr trial " + contender.label + " " + std::to_string(candidate) +
                                 " (" + std::to_string(steps) + " steps)",
                             ++index,
                             int64_t(contender.lr_grid.size() +
                                     std::min(contender.lr_grid.size(), search.finalists)));
          RunPlan plan{&contender, candidate, 1, steps, false, steps};
          plan.epochs = (steps + result.batches_per_epoch - 1) / result.batches_per_epoch;
          RunRecord run = train_run(experiment, plan, splits, initial, settings, progress);
          return TrialRun{std::move(run.iteration_costs), run.diverged};
        };
        try {
          cache[key] = search_rate(contender.lr_grid, search, trial);
        } catch (const std::runtime_error& error) {
          throw std::runtime_error(experiment.id + ", " + contender.label + ": " + error.what());
        }
      }
      for (Trial trial : cache[key]) {
        trial.label = contender.label;
        if (trial.chosen) lr = trial.lr;
        result.trials.push_back(trial);
      }
      std::ostringstream text;
      text << contender.label << ": learning rate " << lr << " chosen from "
           << contender.lr_grid.size() << " trials of " << search.steps << " steps and "
           << std::min(contender.lr_grid.size(), search.finalists) << " of "
           << search.steps * search.final_factor;
      progress.line(text.str());
    }
    chosen[contender.label] = lr;

    const auto index = int64_t(&contender - experiment.contenders.data()) + 1;
    progress.start_run(contender.label, index, total);
    RunPlan plan{&contender, lr,   scale.epochs,
                 -1,         true, experiment.iteration_epochs * result.batches_per_epoch};
    result.runs.push_back(train_run(experiment, plan, splits, initial, settings, progress));
    if (result.runs.back().diverged)
      progress.line(contender.label + ": " + result.runs.back().divergence);
  }
  result.seconds = progress.elapsed_seconds();
  write_experiment_outputs(result, settings.out);
  return result;
}

}  // namespace adamite::reproduce
