// The paper's claims as numeric tests on a run's final training costs (design §6). Thresholds for
// words like "about as fast" and "by a large margin" are stated in each claim's text.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "outputs.hpp"
#include "results.hpp"

namespace adamite::reproduce {
namespace {

const RunRecord* find(const ExperimentResult& result, const std::string& label) {
  for (const RunRecord& run : result.runs)
    if (run.contender.label == label) return &run;
  return nullptr;
}

double cost(const ExperimentResult& result, const std::string& label) {
  const RunRecord* run = find(result, label);
  return run ? run->final_cost() : std::numeric_limits<double>::infinity();
}

// "a below b": a's final cost < factor · b's.
Claim lower(const ExperimentResult& result, const std::string& a, const std::string& b,
            double factor, std::string statement) {
  const double ca = cost(result, a), cb = cost(result, b);
  Claim claim{std::move(statement), std::isfinite(ca) && ca < factor * cb, ""};
  claim.evidence = a + " " + format_number(ca) + " vs " + b + " " + format_number(cb);
  if (std::isfinite(ca) && std::isfinite(cb) && cb > 0)
    claim.evidence += " (ratio " + format_number(ca / cb) + ")";
  return claim;
}

Claim lowest(const ExperimentResult& result, const std::string& label, std::string statement) {
  const RunRecord* best = nullptr;
  const RunRecord* next = nullptr;
  for (const RunRecord& run : result.runs) {
    if (run.contender.label == label) continue;
    if (!next || run.final_cost() < next->final_cost()) next = &run;
  }
  best = find(result, label);
  Claim claim{std::move(statement), false, ""};
  if (!best || !next) return claim;
  claim.holds = best->final_cost() < next->final_cost();
  claim.evidence = format_number(best->final_cost()) + " vs next best " + next->contender.label +
                   " " + format_number(next->final_cost());
  return claim;
}

}  // namespace

std::vector<Claim> check_claims(const ExperimentResult& result) {
  const std::string& id = result.experiment.id;
  std::vector<Claim> claims;
  if (id == "fig1-mnist") {
    claims.push_back(lower(result, "Adam", "SGD+Nesterov", 1.1,
                           "Adam converges about as fast as SGD+Nesterov: its final training "
                           "cost is below 1.1× SGD+Nesterov's"));
    claims.push_back(lower(result, "Adam", "AdaGrad", 1.0, "Adam ends below AdaGrad"));
    claims.push_back(
        lower(result, "SGD+Nesterov", "AdaGrad", 1.0, "SGD+Nesterov ends below AdaGrad"));
  } else if (id == "fig1-imdb") {
    for (const std::string suffix : {"", " (no dropout)"})
      claims.push_back(lower(result, "AdaGrad" + suffix, "SGD+Nesterov" + suffix, 0.8,
                             "AdaGrad beats SGD+Nesterov by a large margin on sparse features" +
                                 std::string(suffix.empty() ? " with" : " without") +
                                 " dropout noise: its final training cost is below 0.8× "
                                 "SGD+Nesterov's"));
    claims.push_back(lower(result, "Adam", "AdaGrad", 1.1,
                           "Adam converges as fast as AdaGrad: its final training cost is "
                           "below 1.1× AdaGrad's"));
  } else if (id == "fig2-dropout" || id == "fig2-deterministic") {
    claims.push_back(lowest(result, "Adam",
                            "Adam reaches the lowest training cost at the last "
                            "epoch"));
    for (Claim& claim : check_sfo_claims(result)) claims.push_back(std::move(claim));
  } else if (id == "fig3") {
    for (const std::string suffix : {" (dropout)", ""}) {
      const std::string variant = suffix.empty() ? " without dropout" : " with dropout";
      claims.push_back(lower(result, "Adam" + suffix, "AdaGrad" + suffix, 0.8,
                             "Adam converges much faster than AdaGrad" + variant +
                                 ": its final training cost is below 0.8× AdaGrad's"));
      claims.push_back(lower(result, "SGD+Nesterov" + suffix, "AdaGrad" + suffix, 0.8,
                             "SGD+Nesterov converges much faster than AdaGrad" + variant +
                                 ": its final training cost is below 0.8× AdaGrad's"));
      claims.push_back(lower(result, "Adam" + suffix, "SGD+Nesterov" + suffix, 1.0,
                             "Adam is (marginally) ahead of SGD+Nesterov" + variant));
    }
  } else if (id == "adamax") {
    const double adam = cost(result, "Adam"), adamax = cost(result, "AdaMax");
    Claim claim{
        "AdaMax trains about as well as Adam: final training costs within a factor 1.25 "
        "of each other",
        std::isfinite(adam) && std::isfinite(adamax) &&
            std::max(adam, adamax) <= 1.25 * std::min(adam, adamax),
        "AdaMax " + format_number(adamax) + " vs Adam " + format_number(adam)};
    claims.push_back(claim);
  } else if (id == "averaging") {
    const RunRecord* plain = find(result, "Adam");
    const RunRecord* averaged = find(result, "Adam + EMA of weights");
    Claim claim{"Evaluating the moving average of the weights lowers the test loss", false, ""};
    if (plain && averaged && !plain->epochs.empty() && !averaged->epochs.empty() &&
        !plain->diverged && !averaged->diverged) {
      const double a = averaged->epochs.back().test_loss, p = plain->epochs.back().test_loss;
      claim.holds = a < p;
      claim.evidence =
          "test loss " + format_number(a) + " with averaging vs " + format_number(p) + " without";
    }
    claims.push_back(claim);
  }
  return claims;
}

}  // namespace adamite::reproduce
