#include "rate_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace adamite::reproduce {
namespace {

// The mean of the last `window` costs; +inf for a diverged or empty trial.
double score_of(const TrialRun& run, int64_t window) {
  if (run.diverged || run.costs.empty()) return std::numeric_limits<double>::infinity();
  const auto count = std::min<size_t>(run.costs.size(), size_t(std::max<int64_t>(window, 1)));
  const double sum = std::accumulate(run.costs.end() - std::ptrdiff_t(count), run.costs.end(), 0.0);
  return std::isfinite(sum) ? sum / double(count) : std::numeric_limits<double>::infinity();
}

Trial trial_of(double lr, int64_t steps, int64_t scored_steps, const TrialRun& run) {
  Trial trial;
  trial.lr = lr;
  trial.steps = steps;
  trial.scored_steps = std::min<int64_t>(scored_steps, int64_t(run.costs.size()));
  trial.score = score_of(run, scored_steps);
  trial.diverged = !std::isfinite(trial.score);
  return trial;
}

// Indices of the `count` lowest finite scores, best first.
std::vector<size_t> best(const std::vector<Trial>& trials, size_t count) {
  std::vector<size_t> order;
  for (size_t i = 0; i < trials.size(); ++i)
    if (std::isfinite(trials[i].score)) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return trials[a].score < trials[b].score; });
  order.resize(std::min(order.size(), count));
  return order;
}

}  // namespace

std::vector<Trial> search_rate(const std::vector<double>& grid, const RateSearchPlan& plan,
                               const std::function<TrialRun(double lr, int64_t steps)>& run) {
  std::vector<Trial> first;
  for (double lr : grid) first.push_back(trial_of(lr, plan.steps, plan.steps, run(lr, plan.steps)));
  const std::vector<size_t> finalists = best(first, plan.finalists);
  if (finalists.empty()) throw std::runtime_error("every learning rate tried diverged");
  if (plan.final_factor == 0) {
    first[finalists.front()].chosen = true;
    return first;
  }

  std::vector<Trial> second;
  const int64_t long_steps = plan.steps * plan.final_factor;
  for (size_t i : finalists)
    second.push_back(trial_of(first[i].lr, long_steps, plan.steps, run(first[i].lr, long_steps)));
  for (Trial& t : second) t.round = 2;
  const std::vector<size_t> winner = best(second, 1);
  if (winner.empty()) throw std::runtime_error("every learning rate diverged in the longer trials");
  second[winner.front()].chosen = true;

  first.insert(first.end(), second.begin(), second.end());
  return first;
}

std::vector<Trial> full_length_finalists(const std::vector<Trial>& trials, size_t count) {
  const bool two_rounds =
      std::any_of(trials.begin(), trials.end(), [](const Trial& t) { return t.round == 2; });
  std::vector<Trial> second;
  for (const Trial& t : trials)
    if (t.round == (two_rounds ? 2 : 1)) second.push_back(t);
  std::vector<Trial> finalists;
  for (size_t i : best(second, count)) finalists.push_back(second[i]);
  return finalists;
}

double full_length_score(const RunRecord& run, int64_t window) {
  if (run.diverged || run.epochs.empty()) return std::numeric_limits<double>::infinity();
  const size_t count = std::min(run.epochs.size(), size_t(window));
  double sum = 0.0;
  for (size_t e = run.epochs.size() - count; e < run.epochs.size(); ++e) sum += run.plotted_cost(e);
  return sum / double(count);
}

int64_t search_steps_planned(size_t rates, const RateSearchPlan& plan) {
  return int64_t(rates) * plan.steps +
         int64_t(std::min(rates, plan.finalists)) * plan.steps * plan.final_factor;  // 0: one round
}

}  // namespace adamite::reproduce
