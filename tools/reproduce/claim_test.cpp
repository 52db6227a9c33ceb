#include "claim_test.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "outputs.hpp"

namespace adamite::reproduce {

Tail window(const std::vector<double>& values, size_t begin, size_t end) {
  end = std::min(end, values.size());
  if (begin >= end) return {std::nan(""), 0.0};
  double sum = 0.0, lo = values[begin], hi = values[begin];
  for (size_t i = begin; i < end; ++i) {
    sum += values[i];
    lo = std::min(lo, values[i]);
    hi = std::max(hi, values[i]);
  }
  return {sum / double(end - begin), std::isfinite(hi - lo) ? (hi - lo) / 2 : 0.0};
}

Tail sample_mean(const std::vector<double>& values, size_t begin, size_t end) {
  const Tail spread = window(values, begin, end);
  end = std::min(end, values.size());
  if (end < begin + 2) return spread;
  const double n = double(end - begin);
  double squares = 0.0;
  for (size_t i = begin; i < end; ++i)
    squares += (values[i] - spread.mean) * (values[i] - spread.mean);
  if (!std::isfinite(squares)) return spread;  // a diverged run: its mean says it all
  return {spread.mean, 2 * std::sqrt(squares / (n - 1) / n)};
}

Tail tail(const std::vector<double>& values, size_t end) {
  end = std::min(end, values.size());
  return window(values, end - std::min(end, kTailEpochs), end);
}

Verdict decide(double difference, double noise) {
  if (difference > noise) return Verdict::yes;
  if (difference < -noise) return Verdict::no;
  return Verdict::inconclusive;
}

Claim decided(Claim claim, double difference, double noise) {
  claim.verdict = decide(difference, noise);
  claim.difference = difference;
  claim.noise = noise;
  return claim;
}

std::string claim_rule() {
  return "difference > 0 holds the claim, < 0 breaks it; within ± noise (the compared curves' "
         "half ranges over their last " +
         std::to_string(kTailEpochs) + " epochs, summed) it reads inconclusive";
}

const char* verdict_word(Verdict verdict) {
  switch (verdict) {
    case Verdict::yes:
      return "yes";
    case Verdict::no:
      return "no";
    default:
      return "inconclusive";
  }
}

std::string claims_table(const std::vector<Claim>& claims) {
  std::ostringstream md;
  md << "| verdict | claim | margin | difference | noise | evidence |\n|---|---|---|---|---|---|\n";
  for (const Claim& claim : claims) {
    // A difference is signed: > 0 holds the claim; ±inf when a compared run diverged.
    const std::string difference = std::isnan(claim.difference) ? "-"
                                   : std::isinf(claim.difference)
                                       ? (claim.difference > 0 ? "+inf" : "-inf")
                                       : format_number(claim.difference);
    md << "| **" << verdict_word(claim.verdict) << "** | " << claim.statement << " | "
       << claim.margin << " | " << difference << " | ±" << format_number(claim.noise) << " | "
       << claim.evidence << " |\n";
  }
  return md.str();
}

VerdictCounts count_verdicts(const std::string& markdown) {
  VerdictCounts counts;
  std::istringstream lines(markdown);
  for (std::string line; std::getline(lines, line);) {
    for (const auto& [verdict, count] :
         {std::pair{Verdict::yes, &counts.yes}, std::pair{Verdict::no, &counts.no},
          std::pair{Verdict::inconclusive, &counts.inconclusive}})
      if (line.rfind(std::string("| **") + verdict_word(verdict) + "** |", 0) == 0) ++*count;
  }
  return counts;
}

}  // namespace adamite::reproduce
