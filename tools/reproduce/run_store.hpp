// A run's files in its experiment's folder, written so that an interrupted reproduction continues
// and a finished one is redrawn without training: <slug>.csv (a row per epoch), <slug>-
// iterations.csv (per-iteration costs), <slug>-second-moment.csv (Adam's √v̂ on the CNN), <slug>.run
// (the run's settings, then what it measured; written last, so its presence with the same settings
// means the run is finished) and checkpoints/<slug>/ while it trains. A contender's learning-rate
// trials go to <slug>.lr-search.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "adamite/train/checkpoint.hpp"
#include "results.hpp"

namespace adamite::reproduce {

class RunStore {
 public:
  explicit RunStore(std::filesystem::path experiment_dir);
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path checkpoint_dir(const std::string& label) const;
  // Once the run is finished: its checkpoint, and the checkpoints folder if it was the last.
  void remove_checkpoint(const std::string& label) const;

  // The curves so far, rewritten after every epoch (and on a stop) so that a resumed run reads
  // back the epochs its checkpoint stands after.
  void save_curves(const RunRecord& run) const;
  // The epochs and costs save_curves wrote for `label`, into `run` (nothing when there is none).
  void load_curves(const std::string& label, RunRecord& run) const;

  // Marks the run finished: its curves, then <slug>.run with `identity` and the measurements.
  // Returns the run as read back (the CSVs keep 8 significant digits): what every later
  // invocation reads, so a report written now is the one --replot writes.
  RunRecord save_finished(const RunRecord& run, const train::RunConfig& identity) const;
  // The finished run of `contender` with exactly these settings, if there is one.
  std::optional<RunRecord> load_finished(const Contender& contender,
                                         const train::RunConfig& identity) const;

  // A contender's trials, under the key of everything that decides them.
  void save_search(const std::string& label, const std::string& key,
                   const std::vector<Trial>& trials) const;
  std::optional<std::vector<Trial>> load_search(const std::string& label,
                                                const std::string& key) const;

 private:
  std::filesystem::path dir_;
};

// The CSV of one run, a row per epoch (also what outputs.cpp publishes).
std::string run_csv(const RunRecord& run);
std::string iterations_csv(const RunRecord& run);

}  // namespace adamite::reproduce
