// The learning-rate search of `adamite reproduce`: two rounds of trials (successive halving).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "reproduce/rate_search.hpp"

namespace {

using adamite::reproduce::full_length_finalists;
using adamite::reproduce::RateSearchPlan;
using adamite::reproduce::search_rate;
using adamite::reproduce::search_steps_planned;
using adamite::reproduce::Trial;
using adamite::reproduce::TrialRun;

constexpr double kInf = std::numeric_limits<double>::infinity();

// A made-up training curve per rate: cost(step) = floor + (start - floor) · decay^step. Large
// rates fall fast to a high floor, small ones slowly to a low floor, as constant-rate SGD does.
struct Curve {
  double floor, decay;
};

TrialRun run_curve(const Curve& curve, int64_t steps) {
  TrialRun run;
  for (int64_t s = 1; s <= steps; ++s)
    run.costs.push_back(curve.floor + (2.3 - curve.floor) * std::pow(curve.decay, double(s)));
  return run;
}

const Trial& chosen(const std::vector<Trial>& trials) {
  const Trial* found = nullptr;
  int count = 0;
  for (const Trial& t : trials)
    if (t.chosen) found = &t, ++count;
  REQUIRE(count == 1);
  return *found;
}

}  // namespace

TEST_CASE("rate search: the longer round picks the rate that ends lowest, not the fastest start") {
  // Over 10 steps 0.1 is best by its mean cost (fast start, floor 0.5); over 30 steps 0.01 ends
  // lowest (floor 0.1) though it starts slower. One round of short trials would pick 0.1.
  const std::map<double, Curve> curves = {
      {0.001, {0.05, 0.99}}, {0.01, {0.1, 0.8}}, {0.1, {0.5, 0.3}}, {1.0, {kInf, 0.0}}};
  std::vector<std::pair<double, int64_t>> calls;
  const auto run = [&](double lr, int64_t steps) {
    calls.emplace_back(lr, steps);
    if (lr == 1.0) return TrialRun{{2.3, kInf}, true};
    return run_curve(curves.at(lr), steps);
  };
  const RateSearchPlan plan{10, 2, 3};
  const std::vector<Trial> trials = search_rate({0.001, 0.01, 0.1, 1.0}, plan, run);

  // First round: the whole grid for 10 steps; then the 2 best (0.1, 0.01) for 30, best first.
  const std::vector<std::pair<double, int64_t>> expected = {{0.001, 10}, {0.01, 10}, {0.1, 10},
                                                            {1.0, 10},   {0.1, 30},  {0.01, 30}};
  CHECK(calls == expected);
  REQUIRE(trials.size() == 6);
  CHECK(trials[3].diverged);
  CHECK(trials[3].score == kInf);
  // First-round trials score their mean; second-round ones the mean of their last 10 steps.
  double mean = 0.0;
  for (double c : run_curve(curves.at(0.01), 10).costs) mean += c / 10.0;
  CHECK(trials[1].score == doctest::Approx(mean).epsilon(1e-12));
  CHECK(trials[1].scored_steps == 10);
  const auto last = run_curve(curves.at(0.01), 30).costs;
  double tail = 0.0;
  for (size_t i = 20; i < 30; ++i) tail += last[i] / 10.0;
  CHECK(trials[5].score == doctest::Approx(tail).epsilon(1e-12));
  CHECK(trials[5].steps == 30);
  CHECK(trials[5].scored_steps == 10);
  CHECK(trials[2].score < trials[1].score);  // the short round alone would take 0.1
  CHECK(chosen(trials).lr == 0.01);
  CHECK(chosen(trials).steps == 30);
  CHECK(search_steps_planned(4, plan) == 4 * 10 + 2 * 30);

  // The full-length round takes the two best of the second round (0.01, then 0.1), never 0.001.
  const std::vector<Trial> finalists = full_length_finalists(trials, 2);
  REQUIRE(finalists.size() == 2);
  CHECK(finalists[0].lr == 0.01);
  CHECK(finalists[1].lr == 0.1);
}

TEST_CASE("rate search: without a second round the first round's best two go to full length") {
  const auto flat = [](double lr, int64_t steps) {
    return TrialRun{std::vector<double>(size_t(steps), lr), false};  // cost == rate
  };
  const RateSearchPlan one_round{5, 3, 0};
  const std::vector<Trial> trials = search_rate({0.3, 0.1, 0.2, 0.4}, one_round, flat);
  REQUIRE(trials.size() == 4);
  CHECK(chosen(trials).lr == 0.1);
  CHECK(search_steps_planned(4, one_round) == 4 * 5);
  const std::vector<Trial> finalists = full_length_finalists(trials, 2);
  REQUIRE(finalists.size() == 2);
  CHECK(finalists[0].lr == 0.1);
  CHECK(finalists[1].lr == 0.2);
}

TEST_CASE("rate search: small grids, diverging rates and every rate diverging") {
  const auto flat = [](double lr, int64_t steps) {
    return TrialRun{std::vector<double>(size_t(steps), lr), false};  // cost == rate
  };
  // Fewer rates than finalists: every rate goes on to the second round.
  const std::vector<Trial> two = search_rate({0.3, 0.2}, RateSearchPlan{5, 3, 2}, flat);
  REQUIRE(two.size() == 4);
  CHECK(chosen(two).lr == 0.2);
  CHECK(search_steps_planned(2, RateSearchPlan{5, 3, 2}) == 2 * 5 + 2 * 10);

  // A rate that survives the short trial but diverges in the long one is not chosen.
  const auto late_blowup = [](double lr, int64_t steps) {
    if (lr == 0.1 && steps > 5) return TrialRun{{0.01, kInf}, true};
    return TrialRun{std::vector<double>(size_t(steps), lr), false};
  };
  const std::vector<Trial> trials =
      search_rate({0.1, 0.2, 0.4}, RateSearchPlan{5, 2, 2}, late_blowup);
  CHECK(chosen(trials).lr == 0.2);

  // A non-finite cost that the trainer did not flag still counts as diverged.
  const auto nan_cost = [](double, int64_t) {
    return TrialRun{{std::numeric_limits<double>::quiet_NaN()}, false};
  };
  CHECK_THROWS_WITH_AS(search_rate({0.1, 1.0}, RateSearchPlan{4, 2, 2}, nan_cost),
                       "every learning rate tried diverged", std::runtime_error);
  const auto always_late = [](double lr, int64_t steps) {
    if (steps > 4) return TrialRun{{kInf}, true};
    return TrialRun{{lr}, false};
  };
  CHECK_THROWS_WITH_AS(search_rate({0.1, 1.0}, RateSearchPlan{4, 2, 2}, always_late),
                       "every learning rate diverged in the longer trials", std::runtime_error);
}

TEST_CASE("rate search: a full-length finalist scores its plotted cost over the last epochs") {
  using adamite::reproduce::full_length_score;
  adamite::reproduce::RunRecord run;
  for (const double loss : {0.9, 0.5, 0.4, 0.2}) {
    run.epochs.emplace_back();
    run.epochs.back().train_loss = loss;
  }
  CHECK(full_length_score(run, 2) == doctest::Approx(0.3));
  CHECK(full_length_score(run, 10) == doctest::Approx(0.5));  // a window longer than the run
  // Where the experiment measures full-batch costs, those are what the figure plots and scores.
  run.full_batch_costs = {0.8, 0.45, 0.35, 0.15};
  CHECK(full_length_score(run, 2) == doctest::Approx(0.25));
  run.diverged = true;
  CHECK(full_length_score(run, 2) == kInf);
  CHECK(full_length_score(adamite::reproduce::RunRecord{}, 2) == kInf);
}
