#include "adamite/train/progress.hpp"

#include <unistd.h>

#include <algorithm>

namespace adamite::train {

ProgressBar::ProgressBar(std::FILE* stream)
    : stream_(stream), active_(isatty(fileno(stream)) != 0) {}

void ProgressBar::update(const std::string& label, int64_t done, int64_t total, double loss) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;  // ~10 Hz
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = total > 0 ? static_cast<int>(kWidth * std::min(done, total) / total) : 0;
  std::fprintf(stream_, "\r%s [%s%s] %lld/%lld loss %.4f", label.c_str(),
               std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(kWidth - filled), '.').c_str(),
               static_cast<long long>(done), static_cast<long long>(total), loss);
  std::fflush(stream_);
}

void ProgressBar::clear() {
  if (!active_) return;
  std::fprintf(stream_, "\r\033[K");
  std::fflush(stream_);
}

}  // namespace adamite::train
