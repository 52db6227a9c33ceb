#include "train_report.hpp"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "stop_signals.hpp"

namespace adamite::cli {

std::string percent(double fraction) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << 100.0 * fraction << '%';
  return out.str();
}

TrainReport::TrainReport(train::Run& run, distributed::Communicator& world, train::CsvLog* log,
                         CurvePlot* plot, std::filesystem::path checkpoint_dir,
                         train::RunConfig identity, train::RunConfig settings)
    : run_(run),
      world_(world),
      log_(log),
      plot_(plot),
      checkpoint_dir_(std::move(checkpoint_dir)),
      identity_(std::move(identity)),
      settings_(std::move(settings)) {}

void TrainReport::on_step(int64_t epoch, int64_t batch, int64_t batches, double loss) {
  if (world_.is_root())
    progress_.update("epoch " + std::to_string(epoch) + "/" + std::to_string(run_.spec().epochs),
                     batch, batches, loss);
}

void TrainReport::on_epoch(const train::EpochResult& r) {
  progress_.clear();
  std::cout << "epoch " << r.epoch << "/" << run_.spec().epochs << "  step " << r.step
            << "  train_loss " << std::fixed << std::setprecision(4) << r.train_loss;
  if (std::isfinite(r.validation_loss))
    std::cout << "  validation_loss " << r.validation_loss << (r.best ? " (best)" : "")
              << "  validation_accuracy " << percent(r.validation_accuracy);
  std::cout << "  test_loss " << r.test_loss << "  test_accuracy " << percent(r.test_accuracy);
  if (r.plateau_factor != 1.0)  // --schedule plateau reduced the rate
    std::cout << std::defaultfloat << "  lr x" << r.plateau_factor << std::fixed;
  std::cout << "  " << std::setprecision(1) << r.seconds << "s" << std::defaultfloat << std::endl;
  // A failed --log or --plot write (a full disk) must not cost the epoch's checkpoint: it stops
  // the run in on_position, once that is written.
  try {
    if (log_) log_->write(r);
    if (plot_) plot_->add(r);
  } catch (const std::exception& e) {
    output_failure_ =
        e.what() + std::string("; training stopped after epoch ") + std::to_string(r.epoch);
  }
  if (r.best && on_best) on_best(r);
}

void TrainReport::on_iteration(int64_t step, double) {
  const auto now = Clock::now();
  const double in_collectives = world_.seconds_in_collectives();
  if (last_step_ != Clock::time_point{} && (step - 1) % run_.loader().batches_per_epoch() != 0) {
    step_seconds_ += std::chrono::duration<double>(now - last_step_).count();
    collective_seconds_ += in_collectives - last_collectives_;
    ++timed_steps_;
  }
  last_step_ = now;
  last_collectives_ = in_collectives;
}

void TrainReport::on_position(const train::TrainingPosition& next, bool epoch_end) {
  // Every process holds the same state: rank 0 alone writes it.
  const bool save = !checkpoint_dir_.empty() && world_.is_root() &&
                    (run_.checkpoint_due(epoch_end) || (stopped_ && !epoch_end));
  if (save) run_.save_checkpoint(checkpoint_dir_, next, identity_, settings_);
  if (!epoch_end || output_failure_.empty()) return;
  const std::string dir = checkpoint_dir_.string();
  throw std::runtime_error(
      output_failure_ +
      (save          ? ", whose checkpoint is saved in " + dir + "; resume with --resume " + dir
       : dir.empty() ? " (no --checkpoint given)"
                     : "; the last checkpoint in " + dir + " is kept"));
}

bool TrainReport::stop_requested() {
  return stop_signal() != 0;
}

void TrainReport::print_throughput(const nn::Module& model) const {
  if (timed_steps_ == 0) return;
  std::cout << "throughput: " << std::fixed << std::setprecision(0)
            << double(timed_steps_ * run_.spec().batch_size) / step_seconds_ << " samples/s over "
            << timed_steps_ << " steps (evaluation left out)";
  if (world_.size() > 1) {
    int64_t parameters = 0;
    for (const Tensor& p : model.parameters()) parameters += p.numel();
    std::cout << "; collectives " << std::setprecision(2)
              << 1e3 * collective_seconds_ / double(timed_steps_) << " ms per step ("
              << std::setprecision(0) << 100.0 * collective_seconds_ / step_seconds_
              << "% of it) to sum " << std::setprecision(1) << 4e-6 * double(parameters)
              << " MB of gradients";
  }
  std::cout << std::defaultfloat << '\n';
}

}  // namespace adamite::cli
