// What `reproduce` shows while it runs: the experiment, run k of n, the epoch, and an ETA from
// the optimizer steps done so far against those planned. A live line on a terminal; one plain line
// per finished run or epoch when piped.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "adamite/train/progress.hpp"

namespace adamite::reproduce {

class HarnessProgress {
 public:
  HarnessProgress(std::string experiment, int64_t planned_steps);
  // A new run (or learning-rate trial) begins.
  void start_run(const std::string& what, int64_t index, int64_t count);
  void step(int64_t epoch, int64_t epochs, int64_t batch, int64_t batches, double loss);
  // Prints a line that stays (e.g. a finished epoch), with the ETA.
  void line(const std::string& text);
  double elapsed_seconds() const;

 private:
  std::string eta() const;
  std::string experiment_, run_;
  int64_t planned_, done_ = 0;
  std::chrono::steady_clock::time_point start_;
  train::ProgressBar bar_;
};

// "1h02m", "4m10s", "12s".
std::string format_duration(double seconds);

}  // namespace adamite::reproduce
