// Figure 4's grid: one Adam run of the VAE per (β1, β2, α, bias correction), and the paper's two
// claims about it (§6.4) as numeric tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "claim_test.hpp"

namespace adamite::reproduce {

struct GridPoint {
  double beta1, beta2, log10_lr;
  bool bias_correction;
  std::vector<double> epoch_losses;  // mean negative ELBO per example, per finished epoch
  bool diverged = false;
  bool finished = false;  // its run ended (at length, or diverged); else it is not drawn or tested
  // The loss after `epoch` epochs; NaN when the run diverged before, or has not finished.
  double loss_at(int64_t epoch) const;
  // E.g. "beta1 0.9 beta2 0.999 lr 1e-3 corrected": its label, and its files' names.
  std::string name() const;
  // Where the figure cannot show the loss after `epoch`: "diverged at epoch k", or the value
  // above the axis; "" when it is on the scale, or when the run has not finished.
  std::string off_scale(int64_t epoch, double y_max) const;
};

// The paper's grid: β1 ∈ {0, 0.9}, β2 ∈ {0.99, 0.999, 0.9999}, with and without bias correction,
// log10 α ∈ {−5, …, −1}: 60 points, in the order they are trained.
std::vector<GridPoint> vae_grid();

// "Without bias correction, β2 near 1 is unstable" read after `early` epochs, and "the best
// results come with small (1−β2) and bias correction" after `late`, from the finished runs.
std::vector<Claim> vae_claims(const std::vector<GridPoint>& grid, int64_t early, int64_t late);

}  // namespace adamite::reproduce
