// AdaMax, Algorithm 2 of Kingma & Ba (ICLR 2015), exactly:
//   m ← β1 m + (1−β1) g;  u ← max(β2 u, |g|);  θ ← θ − (α / (1−β1ᵗ)) m / u
// There is no ε: where u = 0 (g has always been 0 there, so m = 0 too) θ is left unchanged.
// The first step is exactly α·sign(g). PyTorch instead uses u ← max(β2 u, |g| + ε) and Keras
// divides by u + ε (both ε = 1e-7/1e-8); bias_correction(false) drops the 1/(1−β1ᵗ).
// Defaults α = 2e-3, β1 = 0.9, β2 = 0.999 (the paper's).
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

#define ADAMITE_ADAMAX_ARGS(ARG)               \
  ARG(Betas, betas, (Betas{0.9, 0.999}), unit) \
  ARG(bool, bias_correction, true, any)

struct AdaMaxOptions : OptionsOf<AdaMaxOptions> {
  static constexpr double kDefaultLr = 2e-3;
  ADAMITE_OPTIONS(ADAMITE_ADAMAX_ARGS)
  std::string algorithm() const { return "adamax"; }
};

class AdaMax : public OptimizerOf<AdaMaxOptions> {
 public:
  using OptimizerOf::OptimizerOf;

 private:
  void update(const AdaMaxOptions& o, double lr, ParamView& p, int64_t t) override;
  const StateSlot exp_avg_ = add_state("exp_avg");  // m
  const StateSlot exp_inf_ = add_state("exp_inf");  // u
};

}  // namespace adamite::optim
