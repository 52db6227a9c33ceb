// How `reproduce` picks each optimizer's learning rate from its grid: successive halving in two
// rounds. Every rate trains for a short trial; the few with the lowest mean cost train again, for
// longer, and the rate whose longer trial ends lowest is chosen.
//
// Why two rounds: one round of short trials rewards fast early progress, which favours the largest
// stable rate, while the paper plots whole runs at a constant rate, where a large rate plateaus
// higher. Fig. 2 with one-epoch trials: Adam at 1e-3 and 3.2e-3 scored 0.3318 and 0.3311, the
// larger was taken and ended 50 epochs at a training cost of 0.148, the highest of the five
// optimizers. Scoring the end of a longer trial tells such rates apart for a few more trials.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "results.hpp"

namespace adamite::reproduce {

struct RateSearchPlan {
  int64_t steps = 0;         // length of a first-round trial
  size_t finalists = 3;      // rates that go on to the second round
  int64_t final_factor = 3;  // a second-round trial lasts final_factor × steps; 0: no second round
};

// What one trial gave: the minibatch costs of its steps, or that it diverged.
struct TrialRun {
  std::vector<double> costs;
  bool diverged = false;
};

// run(lr, steps) trains from the comparison's common initial weights for `steps` steps. Returns
// every trial in order (the first round over the whole grid, then the finalists), exactly one
// marked chosen. A first-round trial scores the mean cost over its steps, a second-round trial the
// mean over its last `steps` steps. Throws std::runtime_error when every rate diverges.
std::vector<Trial> search_rate(const std::vector<double>& grid, const RateSearchPlan& plan,
                               const std::function<TrialRun(double lr, int64_t steps)>& run);

// The rates that go on to full-length runs: the `count` lowest-scoring of search_rate's last
// round, best first; diverged ones never.
std::vector<Trial> full_length_finalists(const std::vector<Trial>& trials, size_t count);

// What a full-length finalist is judged by: the mean of its plotted cost over the last `window`
// epochs (the figure's quantity, damped against epoch-to-epoch noise); +inf for a diverged run.
double full_length_score(const RunRecord& run, int64_t window);

// Optimizer steps search_rate takes for a grid of `rates` values (for the progress display's ETA).
int64_t search_steps_planned(size_t rates, const RateSearchPlan& plan);

}  // namespace adamite::reproduce
