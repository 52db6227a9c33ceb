// The paper's claims as numeric tests on a run's curves (design §6). Each compares the mean of
// the last kTailEpochs epochs of the plotted curves against a margin stated in the claim, and a
// gap within the curves' own spread over those epochs reads inconclusive (claim_test.hpp).
#include <algorithm>
#include <cmath>
#include <sstream>

#include "claim_test.hpp"
#include "outputs.hpp"
#include "results.hpp"

namespace adamite::reproduce {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

const RunRecord* find(const ExperimentResult& result, const std::string& label) {
  for (const RunRecord& run : result.runs)
    if (run.contender.label == label) return &run;
  return nullptr;
}

// The tail of the curve the figure plots (test loss when `test`); +inf for a diverged run.
Tail plotted_tail(const RunRecord* run, bool test = false) {
  if (!run || run->diverged || run->epochs.empty()) return {kInf, 0.0};
  std::vector<double> curve;
  for (size_t i = 0; i < run->epochs.size(); ++i)
    curve.push_back(test ? run->epochs[i].test_loss : run->plotted_cost(i));
  return tail(curve);
}

// Those of `labels` with no run in the result: a run not finished yet is no evidence either way
// (plotted_tail would read it as diverged).
std::string not_run(const ExperimentResult& result, const std::vector<std::string>& labels) {
  std::string missing;
  for (const std::string& label : labels)
    if (!find(result, label)) missing += (missing.empty() ? "" : ", ") + label;
  return missing;
}

// A claim that waits for runs: inconclusive, with no difference to show.
Claim waiting_for(Claim claim, const std::string& missing) {
  claim.evidence = "not run yet: " + missing;
  return claim;
}

// decided(), once every one of `labels` has a run; until then it waits for them.
Claim decided_once_run(const ExperimentResult& result, const std::vector<std::string>& labels,
                       const Claim& claim, double difference, double noise) {
  const std::string missing = not_run(result, labels);
  return missing.empty() ? decided(claim, difference, noise) : waiting_for(claim, missing);
}

std::string tail_text(const std::string& label, const Tail& t) {
  return label + " " + format_number(t.mean) + " ± " + format_number(t.noise);
}

const std::string kTailWords =
    " (training cost averaged over the last " + std::to_string(kTailEpochs) + " epochs)";

// "a below factor · b".
Claim lower(const ExperimentResult& result, const std::string& a, const std::string& b,
            double factor, std::string statement) {
  const Tail ta = plotted_tail(find(result, a)), tb = plotted_tail(find(result, b));
  Claim claim{std::move(statement) + kTailWords};
  claim.margin = a + " < " + format_number(factor) + " × " + b;
  claim.evidence = tail_text(a, ta) + " vs " + tail_text(b, tb);
  return decided_once_run(result, {a, b}, claim, factor * tb.mean - ta.mean,
                          ta.noise + factor * tb.noise);
}

Claim lowest(const ExperimentResult& result, const std::string& label, std::string statement) {
  const Tail best = plotted_tail(find(result, label));
  const RunRecord* next = nullptr;
  for (const RunRecord& run : result.runs)
    if (run.contender.label != label &&
        (!next || plotted_tail(&run).mean < plotted_tail(next).mean))
      next = &run;
  Claim claim{std::move(statement) + kTailWords};
  claim.margin = label + " < every other optimizer";
  if (!find(result, label)) return waiting_for(claim, label);
  if (!next) return claim;
  const Tail second = plotted_tail(next);
  claim.evidence =
      tail_text(label, best) + " vs next best " + tail_text(next->contender.label, second);
  claim = decided(claim, second.mean - best.mean, best.noise + second.noise);
  // A run still to come can only lower the best of the others: a "no" stands, the rest waits.
  std::vector<std::string> others;
  for (const Contender& c : result.experiment.contenders)
    if (c.label != label) others.push_back(c.label);
  if (const std::string missing = not_run(result, others);
      !missing.empty() && claim.verdict != Verdict::no) {
    claim.verdict = Verdict::inconclusive;
    claim.evidence += "; not run yet: " + missing;
  }
  return claim;
}

// Fig. 3 (left), "both Adam and Adagrad make rapid progress lowering the cost in the initial
// stage": read as each lowering its per-iteration cost within the first epoch by at least a
// quarter of where it started (the mean of the epoch's first tenth of iterations against that of
// its last tenth, each window's noise twice the standard error of its mean: a window holds 39
// minibatches, sample_mean). The verdict is the worse of the two.
Claim rapid_initial_progress(const ExperimentResult& result, const std::string& suffix) {
  constexpr double kDrop = 0.25;
  Claim claim{"Adam and AdaGrad both make rapid progress in the initial stage" +
              std::string(suffix.empty() ? " without dropout" : " with dropout") +
              ": within the first epoch, each lowers its per-iteration training cost by at "
              "least a quarter of its starting cost (mean of the epoch's first tenth of "
              "iterations vs its last tenth, each ± twice its standard error)"};
  claim.margin = "last tenth < 0.75 × first tenth, for both";
  double difference = kInf, noise = 0.0;
  bool missing = false;
  for (const std::string& name : {std::string("Adam"), std::string("AdaGrad")}) {
    const RunRecord* run = find(result, name + suffix);
    const size_t epoch =
        run ? std::min<size_t>(run->iteration_costs.size(), size_t(result.batches_per_epoch)) : 0;
    const size_t width = std::max<size_t>(1, epoch / 10);
    if (!run || epoch < 2 * width) {
      claim.evidence += name + suffix + ": no per-iteration costs; ";
      missing = true;
      continue;
    }
    const Tail first = sample_mean(run->iteration_costs, 0, width);
    const Tail last = sample_mean(run->iteration_costs, epoch - width, epoch);
    const double margin = (1 - kDrop) * first.mean - last.mean;
    if (margin < difference) difference = margin, noise = last.noise + (1 - kDrop) * first.noise;
    claim.evidence += name + suffix + " " + format_number(first.mean) + " → " +
                      format_number(last.mean) + " over " + std::to_string(epoch) + " iterations; ";
  }
  claim.evidence.resize(claim.evidence.size() - 2);
  return decided(claim, missing ? std::nan("") : difference, noise);
}

// §6.3: "the second moment estimate v̂ vanishes to zeros after a few epochs and is dominated by
// ε". Read as: at the last epoch, in most parameter tensors most coordinates have √v̂ < ε (the
// median over tensors of that fraction is above ½); its noise the spread of that median over the
// last epochs.
Claim second_moment_vanishes(const ExperimentResult& result, const std::string& label) {
  Claim claim{"Adam's second moment estimate vanishes and is dominated by ε (§6.3, " + label +
              "): at the last epoch, the median over parameter tensors of the fraction of "
              "coordinates with √v̂ < ε is above ½"};
  claim.margin = "median fraction > 0.5";
  const RunRecord* run = find(result, label);
  if (!run || run->second_moment.empty()) {
    claim.evidence = "no second-moment log";
    return claim;
  }
  std::vector<double> per_epoch;  // the median fraction after each logged epoch
  std::ostringstream last;
  for (size_t i = 0; i < run->second_moment.size();) {
    const int64_t epoch = run->second_moment[i].epoch;
    std::vector<double> fractions;
    last.str("");
    for (; i < run->second_moment.size() && run->second_moment[i].epoch == epoch; ++i) {
      const SecondMomentRow& row = run->second_moment[i];
      fractions.push_back(row.fraction_below_eps);
      last << (fractions.size() > 1 ? ", " : "") << row.parameter << " "
           << format_number(row.fraction_below_eps) << " (median √v̂ "
           << format_number(row.median_sqrt_v_hat) << ")";
    }
    std::sort(fractions.begin(), fractions.end());
    per_epoch.push_back(fractions[fractions.size() / 2]);
  }
  const Tail t = tail(per_epoch);
  claim.evidence = "fraction below ε at epoch " + std::to_string(run->second_moment.back().epoch) +
                   ": " + last.str();
  return decided(claim, per_epoch.back() - 0.5, t.noise);
}

}  // namespace

std::vector<Claim> check_claims(const ExperimentResult& result) {
  const std::string& id = result.experiment.id;
  std::vector<Claim> claims;
  if (id == "fig1-mnist") {
    claims.push_back(lower(result, "Adam", "SGD+Nesterov", 1.1,
                           "Adam converges about as fast as SGD+Nesterov: its training cost is "
                           "below 1.1× SGD+Nesterov's"));
    claims.push_back(lower(result, "Adam", "AdaGrad", 1.0, "Adam ends below AdaGrad"));
    claims.push_back(
        lower(result, "SGD+Nesterov", "AdaGrad", 1.0, "SGD+Nesterov ends below AdaGrad"));
  } else if (id == "fig1-imdb") {
    for (const std::string suffix : {"", " (no dropout)"})
      claims.push_back(lower(result, "AdaGrad" + suffix, "SGD+Nesterov" + suffix, 0.8,
                             "AdaGrad beats SGD+Nesterov by a large margin on sparse features" +
                                 std::string(suffix.empty() ? " with" : " without") +
                                 " dropout noise: its training cost is below 0.8× "
                                 "SGD+Nesterov's"));
    claims.push_back(lower(result, "Adam", "AdaGrad", 1.1,
                           "Adam converges as fast as AdaGrad: its training cost is below 1.1× "
                           "AdaGrad's"));
  } else if (id == "fig2-dropout" || id == "fig2-deterministic") {
    claims.push_back(lowest(result, "Adam", "Adam reaches the lowest training cost"));
    for (Claim& claim : check_sfo_claims(result)) claims.push_back(std::move(claim));
  } else if (id == "fig3") {
    for (const std::string suffix : {" (dropout)", ""}) {
      const std::string variant = suffix.empty() ? " without dropout" : " with dropout";
      claims.push_back(rapid_initial_progress(result, suffix));
      claims.push_back(lower(result, "Adam" + suffix, "AdaGrad" + suffix, 0.8,
                             "Adam converges much faster than AdaGrad" + variant +
                                 ": its training cost is below 0.8× AdaGrad's"));
      claims.push_back(lower(result, "SGD+Nesterov" + suffix, "AdaGrad" + suffix, 0.8,
                             "SGD+Nesterov converges much faster than AdaGrad" + variant +
                                 ": its training cost is below 0.8× AdaGrad's"));
      claims.push_back(lower(result, "Adam" + suffix, "SGD+Nesterov" + suffix, 1.0,
                             "Adam is (marginally) ahead of SGD+Nesterov" + variant));
      claims.push_back(second_moment_vanishes(result, "Adam" + suffix));
    }
  } else if (id == "adamax") {
    const Tail adam = plotted_tail(find(result, "Adam")),
               adamax = plotted_tail(find(result, "AdaMax"));
    const Tail& high = adam.mean > adamax.mean ? adam : adamax;
    const Tail& low = adam.mean > adamax.mean ? adamax : adam;
    Claim claim{
        "AdaMax trains about as well as Adam: training costs within a factor 1.25 of "
        "each other" +
        kTailWords};
    claim.margin = "higher < 1.25 × lower";
    claim.evidence = tail_text("AdaMax", adamax) + " vs " + tail_text("Adam", adam);
    claims.push_back(decided_once_run(result, {"AdaMax", "Adam"}, claim,
                                      1.25 * low.mean - high.mean, high.noise + 1.25 * low.noise));
  } else if (id == "averaging") {
    const Tail plain = plotted_tail(find(result, "Adam"), true);
    const Tail averaged = plotted_tail(find(result, "Adam + EMA of weights"), true);
    Claim claim{
        "Evaluating the moving average of the weights lowers the test loss (averaged "
        "over the last " +
        std::to_string(kTailEpochs) + " epochs)"};
    claim.margin = "with averaging < without";
    claim.evidence = tail_text("with averaging", averaged) + " vs " + tail_text("without", plain);
    claims.push_back(decided_once_run(result, {"Adam", "Adam + EMA of weights"}, claim,
                                      plain.mean - averaged.mean, plain.noise + averaged.noise));
  }
  return claims;
}

}  // namespace adamite::reproduce
