// What one `adamite reproduce` invocation carries from experiment to experiment, and how a run
// stopped on request (a signal, or --stop-after-steps used up) reports it.
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "adamite/train/checkpoint.hpp"
#include "results.hpp"

namespace adamite::reproduce {

struct Session {
  // Learning rates already chosen, so that experiments sharing a setup (Fig. 2, AdaMax and
  // averaging all use Fig. 2's Adam) search once.
  std::map<std::string, std::vector<Trial>> searches;
  // Full runs finished in this invocation, by their settings (the same run in several figures).
  std::map<train::RunConfig, RunRecord> runs;
  int64_t steps_left = -1;            // optimizer steps of full runs still allowed; < 0: no limit
  std::function<bool()> stop_signal;  // true: stop now (e.g. SIGINT arrived)
  // --plan: the estimated time of everything listed so far; the searches (by their key) and runs
  // (by their settings) listed so far, each with the experiment that counts it, so that one
  // shared by several experiments is counted once.
  double planned_seconds = 0.0;
  std::map<std::string, std::string> planned_searches;
  std::map<train::RunConfig, std::string> planned_runs;
};

// A run stopped on request, after saving its checkpoint when it keeps one: the same command
// continues it.
class Stopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace adamite::reproduce
