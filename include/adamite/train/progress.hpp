// A one-line progress bar for interactive terminals; silent when the stream is not a terminal,
// so logs and pipes get only the plain per-epoch lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace adamite::train {

class ProgressBar {
 public:
  explicit ProgressBar(std::FILE* stream = stderr);
  bool active() const { return active_; }
  void update(const std::string& label, int64_t done, int64_t total, double loss);
  // Erases the bar so the next line starts clean.
  void clear();

 private:
  std::FILE* stream_;
  bool active_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace adamite::train
