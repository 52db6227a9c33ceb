// `reproduce --plan`: every run an experiment needs, what of it is already done in the output
// folder, and its estimated time on this machine from step and evaluation times measured here.
#pragma once

#include <cstdint>
#include <string>

#include "adamite/data/dataset.hpp"
#include "experiment.hpp"
#include "initial_weights.hpp"

namespace adamite::reproduce {

// Times measured on this machine with the experiment's own model and data.
struct MeasuredTimes {
  double seconds_per_step = 0.0;     // one optimizer step on a minibatch
  double seconds_per_example = 0.0;  // evaluating one example (test set, full-batch cost)
  std::string how;                   // e.g. "Adam, 5 steps"
};

// Times a few steps of the experiment's model (its first contender's optimizer other than SFO, at
// the middle of its grid) and an evaluation of some test examples.
MeasuredTimes measure_times(const Experiment& experiment, const data::Splits& splits,
                            const InitialWeights& initial, const Settings& settings);

class RunPlanPrinter {
 public:
  RunPlanPrinter(std::string experiment, const MeasuredTimes& times);
  // A contender's learning-rate trials (done: found in the output folder or this invocation).
  void search(const std::string& label, int64_t steps, bool done);
  // A full run: `steps` optimizer steps in all, `done_steps` of them already checkpointed, and
  // `evaluated` examples evaluated per epoch over `epochs`. status: "new", "finished", ….
  // seconds_per_step > 0: this run's own step time (SFO's), not the measured one.
  void run(const std::string& label, int64_t steps, int64_t done_steps, int64_t epochs,
           int64_t evaluated, const std::string& status, double seconds_per_step = 0.0);
  // Trials or a run another experiment of this invocation shares and counts.
  void shared(const std::string& what, const std::string& counted_in);
  // Prints the total; returns the estimated seconds still to run.
  double finish() const;

 private:
  std::string experiment_;
  MeasuredTimes times_;
  double seconds_left_ = 0.0, seconds_all_ = 0.0;
};

}  // namespace adamite::reproduce
