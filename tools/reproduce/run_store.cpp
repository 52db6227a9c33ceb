#include "run_store.hpp"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "adamite/io/atomic_file.hpp"
#include "outputs.hpp"
#include "second_moment_log.hpp"

namespace adamite::reproduce {
namespace fs = std::filesystem;
namespace {

// Exact for the .run file: what it stores is read back bit for bit.
std::string exact(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// The comma-separated numbers of one line ("nan" and "inf" included).
std::vector<double> numbers(const std::string& line) {
  std::vector<double> row;
  std::istringstream cells(line);
  std::string cell;
  while (std::getline(cells, cell, ',')) row.push_back(std::stod(cell));
  return row;
}

// The rows of a CSV the harness wrote, after its header; none when the file is missing.
std::vector<std::vector<double>> read_numbers(const fs::path& file) {
  std::vector<std::vector<double>> rows;
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return rows;
  for (int64_t row = 2; std::getline(in, line); ++row) try {
      rows.push_back(numbers(line));
    } catch (const std::exception&) {
      throw std::runtime_error(file.string() + ", line " + std::to_string(row) +
                               ": not a row of numbers: " + line);
    }
  return rows;
}

using Fields = std::map<std::string, std::string>;

Fields read_fields(const fs::path& file) {
  Fields fields;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return fields;
}

std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

}  // namespace

std::string run_csv(const RunRecord& run) {
  std::ostringstream csv;
  const bool full = !run.full_batch_costs.empty();
  csv << "epoch,step,train_cost,test_loss,test_accuracy,seconds"
      << (full ? ",full_batch_cost\n" : "\n");
  for (size_t i = 0; i < run.epochs.size(); ++i) {
    const auto& e = run.epochs[i];
    csv << e.epoch << ',' << e.step << ',' << csv_number(e.train_loss) << ','
        << csv_number(e.test_loss) << ',' << csv_number(e.test_accuracy) << ','
        << csv_number(e.seconds);
    if (full) csv << ',' << csv_number(run.plotted_cost(i));
    csv << '\n';
  }
  return csv.str();
}

std::string iterations_csv(const RunRecord& run) {
  std::ostringstream csv;
  csv << "iteration,train_cost\n";
  for (size_t i = 0; i < run.iteration_costs.size(); ++i)
    csv << i + 1 << ',' << csv_number(run.iteration_costs[i]) << '\n';
  return csv.str();
}

RunStore::RunStore(fs::path experiment_dir) : dir_(std::move(experiment_dir)) {}

fs::path RunStore::checkpoint_dir(const std::string& label) const {
  return dir_ / "checkpoints" / slug(label);
}

void RunStore::remove_checkpoint(const std::string& label) const {
  fs::remove_all(checkpoint_dir(label));
  std::error_code not_empty;  // the folder goes with its last checkpoint
  fs::remove(checkpoint_dir(label).parent_path(), not_empty);
}

void RunStore::save_curves(const RunRecord& run) const {
  fs::create_directories(dir_);
  const std::string name = slug(run.contender.label);
  io::write_file_atomically(dir_ / (name + ".csv"), run_csv(run));
  if (!run.iteration_costs.empty())
    io::write_file_atomically(dir_ / (name + "-iterations.csv"), iterations_csv(run));
  if (!run.second_moment.empty())
    io::write_file_atomically(dir_ / (name + "-second-moment.csv"),
                              second_moment_csv(run.second_moment));
}

void RunStore::load_curves(const std::string& label, RunRecord& run) const {
  const std::string name = slug(label);
  run.epochs.clear();
  run.full_batch_costs.clear();
  run.iteration_costs.clear();
  for (const std::vector<double>& row : read_numbers(dir_ / (name + ".csv"))) {
    if (row.size() < train::kEpochFields) continue;
    run.epochs.push_back(train::epoch_from_fields(row.data()));
    if (row.size() > train::kEpochFields) run.full_batch_costs.push_back(row[6]);
  }
  for (const std::vector<double>& row : read_numbers(dir_ / (name + "-iterations.csv")))
    if (row.size() == 2) run.iteration_costs.push_back(row[1]);
  run.second_moment = read_second_moment_csv(dir_ / (name + "-second-moment.csv"));
}

RunRecord RunStore::save_finished(const RunRecord& run, const train::RunConfig& identity) const {
  save_curves(run);
  std::ostringstream text;
  for (const auto& [key, value] : identity) text << "setting." << key << '=' << value << '\n';
  text << "lr=" << exact(run.lr) << "\ndiverged=" << run.diverged
       << "\ndivergence=" << one_line(run.divergence) << "\nseconds=" << exact(run.seconds)
       << "\nseconds_per_step=" << exact(run.seconds_per_step)
       << "\ninit_checksum=" << run.init_checksum << "\nstate_bytes=" << run.state_bytes
       << "\nsubfunctions=" << run.subfunctions << "\nparameters=" << run.parameters << '\n';
  if (!run.machine.empty()) text << "machine=" << one_line(run.machine) << '\n';
  if (!run.build.empty()) text << "build=" << one_line(run.build) << '\n';
  io::write_file_atomically(dir_ / (slug(run.contender.label) + ".run"), text.str());
  std::optional<RunRecord> kept = load_finished(run.contender, identity);
  if (!kept)
    throw std::runtime_error(
        "reproduce: " + (dir_ / (slug(run.contender.label) + ".run")).string() +
        " was written but does not read back as the finished run");
  return std::move(*kept);
}

std::optional<RunRecord> RunStore::load_finished(const Contender& contender,
                                                 const train::RunConfig& identity) const {
  Fields fields = read_fields(dir_ / (slug(contender.label) + ".run"));
  Fields settings;
  for (const auto& [key, value] : fields)
    if (key.rfind("setting.", 0) == 0) settings[key.substr(8)] = value;
  if (fields.empty() || settings != Fields(identity.begin(), identity.end())) return std::nullopt;
  RunRecord run;
  run.contender = contender;
  load_curves(contender.label, run);
  try {
    run.lr = std::stod(fields.at("lr"));
    run.diverged = fields.at("diverged") == "1";
    run.divergence = fields.at("divergence");
    run.seconds = std::stod(fields.at("seconds"));
    run.seconds_per_step = std::stod(fields.at("seconds_per_step"));
    run.init_checksum = fields.at("init_checksum");
    run.state_bytes = std::stoll(fields.at("state_bytes"));
    run.subfunctions = std::stoll(fields.at("subfunctions"));
    run.parameters = std::stoll(fields.at("parameters"));
    if (fields.count("machine")) run.machine = fields.at("machine");  // absent before 2026-12-06
    if (fields.count("build")) run.build = fields.at("build");
  } catch (const std::exception&) {
    return std::nullopt;  // damaged: the run is trained again
  }
  // Complete: a row for every epoch, unless it diverged on the way.
  const int64_t epochs = std::stoll(identity.at("epochs"));
  if (!run.diverged && int64_t(run.epochs.size()) != epochs) return std::nullopt;
  return run;
}

void RunStore::save_search(const std::string& label, const std::string& key,
                           const std::vector<Trial>& trials) const {
  std::ostringstream text;
  text << key << '\n';
  for (const Trial& t : trials)
    text << t.round << ',' << exact(t.lr) << ',' << t.steps << ',' << t.scored_steps << ','
         << exact(t.score) << ',' << t.diverged << ',' << t.chosen << '\n';
  fs::create_directories(dir_);
  io::write_file_atomically(dir_ / (slug(label) + ".lr-search"), text.str());
}

std::optional<std::vector<Trial>> RunStore::load_search(const std::string& label,
                                                        const std::string& key) const {
  std::ifstream in(dir_ / (slug(label) + ".lr-search"));
  std::string line;
  if (!std::getline(in, line) || line != key) return std::nullopt;
  std::vector<Trial> trials;
  while (std::getline(in, line)) {
    std::vector<double> cells;
    try {
      cells = numbers(line);
    } catch (const std::exception&) {
      return std::nullopt;  // damaged: the search runs again
    }
    if (cells.size() != 7) return std::nullopt;
    Trial t;
    t.label = label;
    t.round = int(cells[0]);
    t.lr = cells[1];
    t.steps = int64_t(cells[2]);
    t.scored_steps = int64_t(cells[3]);
    t.score = cells[4];
    t.diverged = cells[5] != 0;
    t.chosen = cells[6] != 0;
    trials.push_back(t);
  }
  return trials;
}

}  // namespace adamite::reproduce
