// What `adamite train` shows and records while fit runs: a progress bar, a line, log row and plot
// point per epoch, checkpoints when due (and on a stop signal), and the throughput. A log or plot
// write that fails stops the run with an error (exit code 1), but only after that epoch's
// checkpoint is written.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "adamite/distributed/communicator.hpp"
#include "adamite/train/csv_log.hpp"
#include "adamite/train/progress.hpp"
#include "adamite/train/run.hpp"
#include "plot_curves.hpp"

namespace adamite::cli {

class TrainReport : public train::FitCallbacks {
 public:
  // Only rank 0 (world.is_root()) prints, logs, plots and checkpoints; log and plot may be null,
  // checkpoint_dir empty. Checkpoints store `identity` and `settings` (resume_settings.hpp).
  TrainReport(train::Run& run, distributed::Communicator& world, train::CsvLog* log,
              CurvePlot* plot, std::filesystem::path checkpoint_dir, train::RunConfig identity,
              train::RunConfig settings);

  void on_step(int64_t epoch, int64_t batch, int64_t batches, double loss) override;
  void on_epoch(const train::EpochResult& result) override;
  void on_iteration(int64_t step, double loss) override;
  void on_position(const train::TrainingPosition& next, bool epoch_end) override;
  bool stop_requested() override;
  void on_stop() override { stopped_ = true; }

  // Called after on_epoch's report of an epoch with a new lowest validation loss, when set.
  std::function<void(const train::EpochResult&)> on_best;

  // By a signal to this process or, under MPI, to any other.
  bool stopped() const { return stopped_; }
  void clear_progress() { progress_.clear(); }
  // "throughput: N samples/s over S steps (evaluation left out)[; collectives ...]", if timed.
  void print_throughput(const nn::Module& model) const;

 private:
  using Clock = std::chrono::steady_clock;
  train::Run& run_;
  distributed::Communicator& world_;
  train::CsvLog* log_;
  CurvePlot* plot_;
  std::filesystem::path checkpoint_dir_;
  train::RunConfig identity_, settings_;
  train::ProgressBar progress_;
  bool stopped_ = false;
  std::string output_failure_;  // why a --log or --plot write failed, raised after the checkpoint
  // Throughput over whole steps from the second on (the first fills the buffer pools), leaving
  // out the gaps that hold an evaluation; time in collectives over the same steps.
  Clock::time_point last_step_{};
  double step_seconds_ = 0.0, collective_seconds_ = 0.0, last_collectives_ = 0.0;
  int64_t timed_steps_ = 0;
};

// A fraction as a percentage with two decimals, e.g. "97.53%".
std::string percent(double fraction);

}  // namespace adamite::cli
