#include "run_plan.hpp"

#include <cstdio>
#include <iostream>

#include "harness_progress.hpp"

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
                         int64_t epochs, int64_t evaluated, const std::string& status) {
  const double per_epoch_evaluation = double(evaluated) * times_.seconds_per_example;
  const double all =
      double(steps) * times_.seconds_per_step + double(epochs) * per_epoch_evaluation;
  const double done = steps > 0 ? all * double(done_steps) / double(steps) : 0.0;
  seconds_all_ += all;
  seconds_left_ += all - done;
  print_line("run " + label,
             std::to_string(epochs) + " epochs, " + std::to_string(steps) + " steps", all, status);
}

void RunPlanPrinter::unmeasured(const std::string& label, const std::string& why) {
  print_line("run " + label, "-", 0.0, "not estimated: " + why);
}

double RunPlanPrinter::finish() const {
  std::cout << experiment_ << ": estimated " << format_duration(seconds_all_) << " in all, "
            << format_duration(seconds_left_) << " still to run\n";
  return seconds_left_;
}

}  // namespace adamite::reproduce
