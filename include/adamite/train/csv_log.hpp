// The per-epoch CSV log of a training run:
//   epoch,step,train_loss,test_loss,test_accuracy,seconds
#pragma once

#include <filesystem>
#include <fstream>

#include "adamite/train/fit.hpp"

namespace adamite::train {

class CsvLog {
 public:
  // Creates (truncates) the file and writes the header; with `append`, adds to an existing log
  // instead (a resumed run). Throws naming the file on failure.
  explicit CsvLog(const std::filesystem::path& file, bool append = false);
  // Appends one row and flushes it, so a run that dies keeps every finished epoch.
  void write(const EpochResult& row);

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

}  // namespace adamite::train
