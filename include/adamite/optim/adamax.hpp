// AdaMax, Algorithm 2 of Kingma & Ba (ICLR 2015), exactly:
//   m ← β1 m + (1−β1) g;  u ← max(β2 u, |g|);  θ ← θ − (α / (1−β1ᵗ)) m / u
// There is no ε: where u = 0 (g has always been 0 there, so m = 0 too) θ is left unchanged.
// The first step is exactly α·sign(g). PyTorch instead uses u ← max(β2 u, |g| + ε) and Keras
// divides by u + ε (both ε = 1e-7/1e-8); bias_correction(false) drops the 1/(1−β1ᵗ).
// Defaults α = 2e-3, β1 = 0.9, β2 = 0.999 (the paper's).
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

struct AdaMaxOptions : Options {
  explicit AdaMaxOptions(double learning_rate = 2e-3) { lr = learning_rate; }
  AdaMaxOptions& betas(double b1, double b2) {
    beta1 = b1;
    beta2 = b2;
    return *this;
  }
  AdaMaxOptions& bias_correction(bool on) {
    correct_bias = on;
    return *this;
  }
  AdaMaxOptions& weight_decay(double wd) {
    Options::weight_decay = wd;
    return *this;
  }
  std::unique_ptr<Options> clone() const override { return std::make_unique<AdaMaxOptions>(*this); }

  double beta1 = 0.9, beta2 = 0.999;
  bool correct_bias = true;
};

class AdaMax : public Optimizer {
 public:
  AdaMax(std::vector<Tensor> params, const AdaMaxOptions& options = AdaMaxOptions());
  AdaMax(std::vector<ParamGroup> groups, const AdaMaxOptions& defaults);
  std::string name() const override { return "adamax"; }

 protected:
  void update(const Options& options, double lr, ParamView& param, int64_t t) override;
};

}  // namespace adamite::optim
