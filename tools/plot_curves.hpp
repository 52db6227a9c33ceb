// `adamite train --plot curves.svg`: the run's learning curves as an SVG (two panels: training
// and test loss against epoch on a log scale, test accuracy against epoch), rewritten atomically
// after every epoch so it can be watched while training runs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "adamite/train/fit.hpp"

namespace adamite::cli {

// Reads a CSV written by train::CsvLog (header epoch,step,train_loss,test_loss,test_accuracy,
// seconds, then one row per epoch). A missing or empty file has no rows. Throws
// std::runtime_error naming the file and line for anything else that is not exactly that.
std::vector<train::EpochResult> read_csv_log(const std::filesystem::path& file);

// "MODEL on DATASET, OPTIMIZER, lr LR" (the optimizer's default lr when none was given).
std::string curve_title(const std::string& model, const std::string& dataset,
                        const std::string& optimizer, std::optional<double> lr);

class CurvePlot {
 public:
  CurvePlot(std::filesystem::path file, std::string title);
  // Epochs trained before this run (a resumed run's earlier log rows).
  void set_earlier(std::vector<train::EpochResult> rows);
  // Adds an epoch (replacing any earlier row of the same or a later epoch) and rewrites the file.
  void add(const train::EpochResult& row);
  // Writes the figure with the epochs known so far (atomically: write_svg).
  void write() const;

 private:
  std::filesystem::path file_;
  std::string title_;
  std::vector<train::EpochResult> rows_;
};

}  // namespace adamite::cli
