#include "plot_curves.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "adamite/optim/registry.hpp"
#include "reproduce/svg_chart.hpp"

namespace adamite::cli {
namespace {

constexpr const char* kHeader = "epoch,step,train_loss,test_loss,test_accuracy,seconds";
constexpr const char* kValidationColumns = ",validation_loss,validation_accuracy";

// One field parsed in full, or false.
template <typename T>
bool parse(const std::string& text, T& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  return error == std::errc() && ptr == end && !text.empty();
}

train::EpochResult parse_row(const std::string& line, bool validation) {
  std::vector<std::string> fields(1);
  for (char c : line) {
    if (c == ',')
      fields.emplace_back();
    else
      fields.back().push_back(c);
  }
  const size_t expected = validation ? 8 : 6;
  if (fields.size() != expected)
    throw std::invalid_argument("expected " + std::to_string(expected) +
                                " comma-separated fields, got " + std::to_string(fields.size()));
  train::EpochResult row;
  if (!parse(fields[0], row.epoch) || row.epoch < 1)
    throw std::invalid_argument("epoch '" + fields[0] + "' is not a positive integer");
  if (!parse(fields[1], row.step) || row.step < 0)
    throw std::invalid_argument("step '" + fields[1] + "' is not a non-negative integer");
  double* numbers[] = {&row.train_loss, &row.test_loss,       &row.test_accuracy,
                       &row.seconds,    &row.validation_loss, &row.validation_accuracy};
  for (size_t i = 0; i + 2 < expected; ++i)
    if (!parse(fields[2 + i], *numbers[i]))
      throw std::invalid_argument("'" + fields[2 + i] + "' is not a number");
  return row;
}

}  // namespace

std::vector<train::EpochResult> read_csv_log(const std::filesystem::path& file) {
  std::vector<train::EpochResult> rows;
  std::ifstream in(file);
  if (!in) return rows;  // no log yet
  std::string line;
  bool validation = false;
  for (int number = 1; std::getline(in, line); ++number) {
    try {
      if (number == 1) {
        validation = line == std::string(kHeader) + kValidationColumns;
        if (line != kHeader && !validation)
          throw std::invalid_argument(std::string("expected the header ") + kHeader +
                                      " (and, with a validation set, " + kValidationColumns + ")");
      } else {
        rows.push_back(parse_row(line, validation));
      }
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(file.string() + " line " + std::to_string(number) +
                               ": not a training log: " + e.what());
    }
  }
  return rows;
}

std::string curve_title(const std::string& model, const std::string& dataset,
                        const std::string& optimizer, std::optional<double> lr) {
  std::string rate;
  if (lr) {
    std::ostringstream text;
    text << *lr;
    rate = text.str();
  } else {  // the registry's defaults read e.g. "lr=0.001 beta1=0.9 ..."
    std::istringstream defaults(optim::find_optimizer(optimizer).defaults);
    for (std::string word; defaults >> word;)
      if (word.rfind("lr=", 0) == 0) rate = word.substr(3);
  }
  return model + " on " + dataset + ", " + optimizer + (rate.empty() ? "" : ", lr " + rate);
}

CurvePlot::CurvePlot(std::filesystem::path file, std::string title)
    : file_(std::move(file)), title_(std::move(title)) {}

void CurvePlot::set_earlier(std::vector<train::EpochResult> rows) {
  rows_.clear();
  for (const auto& row : rows) {
    std::erase_if(rows_, [&](const train::EpochResult& r) { return r.epoch >= row.epoch; });
    rows_.push_back(row);
  }
}

void CurvePlot::add(const train::EpochResult& row) {
  std::erase_if(rows_, [&](const train::EpochResult& r) { return r.epoch >= row.epoch; });
  rows_.push_back(row);
  write();
}

void CurvePlot::write() const {
  using reproduce::Series;
  Series train_loss{"training loss", {}, {}, true}, test_loss{"test loss", {}, {}, true},
      accuracy{"test accuracy", {}, {}, true};
  for (const auto& r : rows_) {
    const double epoch = static_cast<double>(r.epoch);
    train_loss.x.push_back(epoch);
    train_loss.y.push_back(r.train_loss);
    test_loss.x.push_back(epoch);
    test_loss.y.push_back(r.test_loss);
    accuracy.x.push_back(epoch);
    accuracy.y.push_back(100.0 * r.test_accuracy);
  }
  reproduce::Panel losses, accuracies;
  losses.title = "Loss";
  losses.y_label = "cross-entropy loss";
  losses.log_y = true;
  losses.series = {train_loss, test_loss};
  accuracies.title = "Test accuracy";
  accuracies.y_label = "test accuracy (%)";
  accuracies.series = {accuracy};
  // Epochs from 1 to the last one, so a growing run keeps its left edge.
  const double last = rows_.empty() ? 2.0 : static_cast<double>(rows_.back().epoch);
  for (auto* panel : {&losses, &accuracies}) {
    panel->x_label = "epoch";
    panel->x_min = 1.0;
    panel->x_max = std::max(last, 2.0);
  }
  reproduce::Figure figure;
  figure.title = title_;
  figure.columns = 2;
  figure.panels = {losses, accuracies};
  reproduce::write_svg(file_, figure);
}

}  // namespace adamite::cli
