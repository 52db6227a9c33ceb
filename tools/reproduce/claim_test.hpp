// How a claim becomes a verdict: a difference that holds the claim (> 0) or breaks it (< 0), set
// against the runs' own noise, so that a gap smaller than the noise reads "inconclusive" rather
// than yes or no. A run's noise is read from the tail of its curve: the last few epochs.
#pragma once

#include <string>
#include <vector>

#include "results.hpp"

namespace adamite::reproduce {

// Epochs in a curve's tail: the paper's curves are read at their end, damped over this many.
constexpr size_t kTailEpochs = 5;

// The mean of some values of a curve and their noise: half their range, so that the mean ± noise
// covers each of them. NaN mean when there are none.
struct Tail {
  double mean = 0.0;
  double noise = 0.0;
};
// values[begin, end), clipped to the curve.
Tail window(const std::vector<double>& values, size_t begin, size_t end);
// values[begin, end) read as many noisy draws of one level (minibatch costs): their mean, and as
// noise twice its standard error. Half the range would be one draw's spread, set by the window's
// worst minibatch (AdaGrad's first step can triple the cost), not how well the mean is known.
Tail sample_mean(const std::vector<double>& values, size_t begin, size_t end);
// The last min(kTailEpochs, n) values of a curve up to `end` (exclusive; default: all).
Tail tail(const std::vector<double>& values, size_t end = size_t(-1));

// yes when difference > noise, no when difference < −noise, else inconclusive (also NaN).
Verdict decide(double difference, double noise);
// Fills verdict, difference and noise.
Claim decided(Claim claim, double difference, double noise);

// How the table reads, for the report.
std::string claim_rule();

const char* verdict_word(Verdict verdict);
// The claims as a markdown table: verdict, claim, margin, difference, noise, evidence.
std::string claims_table(const std::vector<Claim>& claims);

// The rows of each verdict in the claims tables of a markdown text that claims_table wrote.
struct VerdictCounts {
  int yes = 0, no = 0, inconclusive = 0;
  VerdictCounts& operator+=(const VerdictCounts& other) {
    yes += other.yes, no += other.no, inconclusive += other.inconclusive;
    return *this;
  }
};
VerdictCounts count_verdicts(const std::string& markdown);

}  // namespace adamite::reproduce
