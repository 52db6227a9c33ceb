// Nadam: Adam with Nesterov momentum (Dozat, ICLR 2016 workshop), with a constant β1 (no momentum
// schedule):
//   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
//   m̂ = β1 m / (1−β1ᵗ⁺¹) + (1−β1) g / (1−β1ᵗ);  v̂ = v / (1−β2ᵗ)
//   θ ← θ − α m̂ / (√v̂ + ε)                       ε outside the root
// PyTorch's NAdam and Keras use Dozat's schedule μₜ = β1 (1 − ½·0.96^(t·ψ)), ψ = momentum_decay;
// only ψ → ∞ gives this constant β1 (ψ = 0 gives β1/2), and PyTorch < 2.0 also has one μ too many
// in its second bias correction (pytorch#92699), so it matches PyTorch ≥ 2.0 with
// momentum_decay=inf (docs/interop.md has the measurements).
// bias_correction(false) uses m̂ = β1 m + (1−β1) g and v̂ = v. Defaults α = 2e-3, β1 = 0.9,
// β2 = 0.999, ε = 1e-8. With ε = 0, a coordinate whose gradient has always been 0 is left
// unchanged.
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

#define ADAMITE_NADAM_ARGS(ARG)                \
  ARG(Betas, betas, (Betas{0.9, 0.999}), unit) \
  ARG(double, eps, 1e-8, non_negative)         \
  ARG(bool, bias_correction, true, any)

struct NadamOptions : OptionsOf<NadamOptions> {
  static constexpr double kDefaultLr = 2e-3;
  ADAMITE_OPTIONS(ADAMITE_NADAM_ARGS)
  std::string algorithm() const { return "nadam"; }
};

class Nadam : public OptimizerOf<NadamOptions> {
 public:
  using OptimizerOf::OptimizerOf;

 private:
  void update(const NadamOptions& o, double lr, ParamView& p, int64_t t) override;
  const StateSlot exp_avg_ = add_state("exp_avg");        // m
  const StateSlot exp_avg_sq_ = add_state("exp_avg_sq");  // v
};

}  // namespace adamite::optim
