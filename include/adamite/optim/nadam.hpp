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

struct NadamOptions : Options {
  explicit NadamOptions(double learning_rate = 2e-3) { lr = learning_rate; }
  NadamOptions& betas(double b1, double b2) {
    beta1 = b1;
    beta2 = b2;
    return *this;
  }
  NadamOptions& eps(double e) {
    epsilon = e;
    return *this;
  }
  NadamOptions& bias_correction(bool on) {
    correct_bias = on;
    return *this;
  }
  NadamOptions& weight_decay(double wd) {
    Options::weight_decay = wd;
    return *this;
  }
  std::unique_ptr<Options> clone() const override { return std::make_unique<NadamOptions>(*this); }

  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  bool correct_bias = true;
};

class Nadam : public Optimizer {
 public:
  Nadam(std::vector<Tensor> params, const NadamOptions& options = NadamOptions());
  Nadam(std::vector<ParamGroup> groups, const NadamOptions& defaults);
  std::string name() const override { return "nadam"; }

 protected:
  void update(const Options& options, double lr, ParamView& param, int64_t t) override;
};

}  // namespace adamite::optim
