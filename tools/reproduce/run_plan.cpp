#include "run_plan.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>

#include "adamite/random.hpp"
#include "adamite/train/evaluate.hpp"
#include "experiment_data.hpp"
#include "harness_progress.hpp"
#include "run_training.hpp"

namespace adamite::reproduce {
namespace {

void print_line(const std::string& what, const std::string& length, double seconds,
                const std::string& status) {
  char text[256];
  std::snprintf(text, sizeof text, "  %-44s %-30s %9s  %s\n", what.c_str(), length.c_str(),
                format_duration(seconds).c_str(), status.c_str());
  std::cout << text;
}

}  // namespace

MeasuredTimes measure_times(const Experiment& experiment, const data::Splits& splits,
                            const InitialWeights& initial, const Settings& settings) {
  const Contender* contender = &experiment.contenders.front();
  for (const Contender& c : experiment.contenders)
    if (c.optimizer != "sfo") {
      contender = &c;
      break;
    }
  const double lr =
      contender->lr_grid.empty() ? 1e-3 : contender->lr_grid[contender->lr_grid.size() / 2];
  constexpr int64_t kSteps = 6;  // the first is not timed (allocations, caches)
  HarnessProgress quiet(experiment.id, kSteps);
  RunPlan plan{contender, lr, 1, kSteps, false, 0};
  const RunRecord timed = train_run(experiment, plan, splits, initial, settings, quiet);
  MeasuredTimes times;
  times.seconds_per_step = timed.seconds_per_step;
  times.how = contender->label + ", " + std::to_string(kSteps - 1) + " steps timed";
  const data::Dataset sample = random_subset(splits.test, 512, settings.seed);
  manual_seed(settings.seed);
  auto model = build_model(experiment, splits.train, false);
  const auto start = std::chrono::steady_clock::now();
  train::evaluate(*model, sample);
  times.seconds_per_example =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
      double(sample.size());
  return times;
}

RunPlanPrinter::RunPlanPrinter(std::string experiment, const MeasuredTimes& times)
    : experiment_(std::move(experiment)), times_(times) {
  char text[160];
  std::snprintf(text, sizeof text, "%.4g s per step, %.3g ms per evaluated example (%s)",
                times_.seconds_per_step, 1e3 * times_.seconds_per_example, times_.how.c_str());
  std::cout << experiment_ << ": measured " << text << '\n';
}

void RunPlanPrinter::search(const std::string& label, int64_t steps, bool done) {
  const double seconds = double(steps) * times_.seconds_per_step;
  seconds_all_ += seconds;
  if (!done) seconds_left_ += seconds;
  print_line("lr trials " + label, std::to_string(steps) + " steps", seconds,
             done ? "done" : "to run");
}

void RunPlanPrinter::run(const std::string& label, int64_t steps, int64_t done_steps,
                         int64_t epochs, int64_t evaluated, const std::string& status,
                         double seconds_per_step) {
  if (seconds_per_step <= 0) seconds_per_step = times_.seconds_per_step;
  const double per_epoch_evaluation = double(evaluated) * times_.seconds_per_example;
  const double all = double(steps) * seconds_per_step + double(epochs) * per_epoch_evaluation;
  const double done = steps > 0 ? all * double(done_steps) / double(steps) : 0.0;
  seconds_all_ += all;
  seconds_left_ += all - done;
  print_line("run " + label,
             std::to_string(epochs) + " epochs, " + std::to_string(steps) + " steps", all, status);
}

void RunPlanPrinter::shared(const std::string& what, const std::string& counted_in) {
  print_line(what, "-", 0.0, "shared: counted in " + counted_in);
}

double RunPlanPrinter::finish() const {
  std::cout << experiment_ << ": estimated " << format_duration(seconds_all_) << " in all, "
            << format_duration(seconds_left_) << " still to run\n";
  return seconds_left_;
}

}  // namespace adamite::reproduce
