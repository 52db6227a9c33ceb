#include "harness_progress.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace adamite::reproduce {

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, s / 60 % 60);
  else if (s >= 60)
    std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%llds", s);
  return text;
}

HarnessProgress::HarnessProgress(std::string experiment, int64_t planned_steps)
    : experiment_(std::move(experiment)),
      planned_(planned_steps),
      start_(std::chrono::steady_clock::now()) {}

void HarnessProgress::start_run(const std::string& what, int64_t index, int64_t count) {
  run_ = what + " (" + std::to_string(index) + " of " + std::to_string(count) + ")";
}

void HarnessProgress::step(int64_t epoch, int64_t epochs, int64_t batch, int64_t batches,
                           double loss) {
  ++done_;
  bar_.update("[" + experiment_ + "] " + run_ + " epoch " + std::to_string(epoch) + "/" +
                  std::to_string(epochs) + " ETA " + eta(),
              batch, batches, loss);
}

void HarnessProgress::line(const std::string& text) {
  bar_.clear();
  std::cout << "[" << experiment_ << "] " << text << "  (elapsed "
            << format_duration(elapsed_seconds()) << ", ETA " << eta() << ")" << std::endl;
}

double HarnessProgress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string HarnessProgress::eta() const {
  if (done_ == 0) return "?";
  const double per_step = elapsed_seconds() / double(done_);
  return format_duration(per_step * double(std::max<int64_t>(0, planned_ - done_)));
}

}  // namespace adamite::reproduce
