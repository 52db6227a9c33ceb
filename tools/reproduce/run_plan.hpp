// `reproduce --plan`: every run an experiment needs, what of it is already done in the output
// folder, and its estimated time on this machine from step and evaluation times measured here.
#pragma once

#include <cstdint>
#include <string>

namespace adamite::reproduce {

// Times measured on this machine with the experiment's own model and data.
struct MeasuredTimes {
  double seconds_per_step = 0.0;     // one optimizer step on a minibatch
  double seconds_per_example = 0.0;  // evaluating one example (test set, full-batch cost)
  std::string how;                   // e.g. "Adam, 5 steps"
};

class RunPlanPrinter {
 public:
  RunPlanPrinter(std::string experiment, const MeasuredTimes& times);
  // A contender's learning-rate trials (done: found in the output folder or this invocation).
  void search(const std::string& label, int64_t steps, bool done);
  // A full run: `steps` optimizer steps in all, `done_steps` of them already checkpointed, and
  // `evaluated` examples evaluated per epoch over `epochs`. status: "new", "finished", ….
  void run(const std::string& label, int64_t steps, int64_t done_steps, int64_t epochs,
           int64_t evaluated, const std::string& status);
  // A run whose cost cannot be measured here (e.g. SFO), listed without an estimate.
  void unmeasured(const std::string& label, const std::string& why);
  // Prints the total; returns the estimated seconds still to run.
  double finish() const;

 private:
  std::string experiment_;
  MeasuredTimes times_;
  double seconds_left_ = 0.0, seconds_all_ = 0.0;
};

}  // namespace adamite::reproduce
