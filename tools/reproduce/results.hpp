// What an experiment produced: the learning-rate trials, and per run its curves; the claims the
// report checks against them.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "adamite/train/fit.hpp"
#include "experiment.hpp"

namespace adamite::reproduce {

// One learning-rate trial: `steps` optimizer steps from the common initial weights, scored by the
// mean training cost over its last `scored_steps` (a full-length run: by the plotted cost over
// its last epochs).
struct Trial {
  std::string label;  // the contender
  double lr = 0.0;
  int round = 1;         // 1 and 2: short trials (rate_search.hpp); 3: a full-length run
  double momentum = -1;  // when searched with the rate; < 0: the optimizer's own
  int64_t steps = 0, scored_steps = 0;
  double score = 0.0;  // +inf when it diverged
  bool diverged = false;
  bool chosen = false;
};

// §6.3's mechanism, measured after an epoch on one parameter tensor of Adam: the share of its
// coordinates whose √v̂ is below ε, and the median √v̂.
struct SecondMomentRow {
  int64_t epoch = 0;
  std::string parameter;  // e.g. "0.weight"
  double fraction_below_eps = 0.0, median_sqrt_v_hat = 0.0;
};

struct RunRecord {
  Contender contender;
  double lr = 0.0;
  bool diverged = false;
  std::string divergence;                  // the message when it diverged
  std::vector<train::EpochResult> epochs;  // every finished epoch
  std::vector<double> iteration_costs;     // minibatch costs over the first iteration_epochs
  std::string init_checksum;               // of the weights the run started from
  double seconds = 0.0;
  double seconds_per_step = 0.0;         // mean time of one optimizer step, its minibatch's too
  std::vector<double> full_batch_costs;  // per epoch, when the experiment asks for them
  std::vector<SecondMomentRow> second_moment;  // Adam on the CNN: per epoch and parameter tensor
  int64_t state_bytes = 0;                     // SFO: its state's size (0 for the others)
  int64_t subfunctions = 0, parameters = 0;    // SFO: N and M
  std::string machine, build;  // where it was trained (provenance.hpp); empty in older records

  // The last epoch's mean training cost; +inf for a run that diverged.
  double final_cost() const {
    if (diverged || epochs.empty()) return std::numeric_limits<double>::infinity();
    return epochs.back().train_loss;
  }
  // The cost a figure plots after epoch e (0-based): full-batch when measured, else the mean.
  double plotted_cost(size_t e) const {
    return e < full_batch_costs.size() ? full_batch_costs[e] : epochs[e].train_loss;
  }
};

struct ExperimentResult {
  Experiment experiment;
  Scale scale;
  int64_t train_examples = 0, test_examples = 0, batch_size = 0, batches_per_epoch = 0;
  std::vector<Trial> trials;
  std::vector<RunRecord> runs;
  double seconds = 0.0;
  uint64_t seed = 0;   // its folder under --out: experiment_folder(experiment.id, seed)
  std::string figure;  // file name of the figure, relative to the experiment folder
};

// A claim of the paper, put as a numeric test on this run's results (claim_test.hpp).
enum class Verdict { yes, no, inconclusive };
struct Claim {
  explicit Claim(std::string what = {}) : statement(std::move(what)) {}
  std::string statement;  // e.g. "Adam reaches the lowest training cost at the last epoch"
  Verdict verdict = Verdict::inconclusive;  // also when there is nothing to test
  std::string margin;  // the threshold tested, e.g. "Adam < 1.1 × SGD+Nesterov"
  // By how much the claim holds (> 0) or fails (< 0), in the compared quantity's units, and the
  // runs' own noise in the same units: |difference| ≤ noise reads inconclusive.
  double difference = std::numeric_limits<double>::quiet_NaN();
  double noise = 0.0;
  std::string evidence;  // the numbers, e.g. "0.0123 vs next best RMSProp 0.0150"
};

std::vector<Claim> check_claims(const ExperimentResult& result);
// Fig. 2 (b)'s claims about SFO (sfo_claims.cpp); empty when the result has no "SFO" run.
std::vector<Claim> check_sfo_claims(const ExperimentResult& result);

}  // namespace adamite::reproduce
