// The per-epoch CSV log of a training run:
//   epoch,step,train_loss,test_loss,test_accuracy,seconds[,validation_loss,validation_accuracy]
// (the last two when the run has a validation set).
#pragma once

#include <filesystem>
#include <fstream>

#include "adamite/train/fit.hpp"

namespace adamite::train {

class CsvLog {
 public:
  // A new log: the file is replaced, header and first row together, when the first row is written
  // (until then an earlier file there stays as it was). With `append`, adds to an existing log
  // instead (a resumed run); `validation` adds its two columns. Throws naming the file on failure.
  explicit CsvLog(const std::filesystem::path& file, bool append = false, bool validation = false);
  // Appends one row and flushes it, so a run that dies keeps every finished epoch.
  void write(const EpochResult& row);

 private:
  std::filesystem::path path_;
  std::ofstream out_;
  bool validation_;
};

}  // namespace adamite::train
