// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, ICLR 2019), in PyTorch's form:
//   θ ← θ (1 − α λ)                       the decay, applied first, scaled by the learning rate
//   then Adam exactly as in adam.hpp:      m, v, m̂, v̂;  θ ← θ − α m̂ / (√v̂ + ε)
// The decay is not added to the gradient, so it does not pass through m and v — that is the
// point. The paper multiplies λ by the schedule multiplier ηₜ only (θ ← θ − ηₜ(α m̂/(√v̂+ε) + λθ));
// PyTorch and this library multiply it by the learning rate α·ηₜ, so λ here is the paper's λ/α.
// AdamWOptions::weight_decay(λ) sets the decoupled λ (default 1e-2); the base L2 term
// Options::weight_decay must stay 0.
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

struct AdamWOptions : Options {
  explicit AdamWOptions(double learning_rate = 1e-3) { lr = learning_rate; }
  AdamWOptions& betas(double b1, double b2) {
    beta1 = b1;
    beta2 = b2;
    return *this;
  }
  AdamWOptions& eps(double e) {
    epsilon = e;
    return *this;
  }
  AdamWOptions& bias_correction(bool on) {
    correct_bias = on;
    return *this;
  }
  // The decoupled decay λ (not an L2 term: nothing is added to the gradient).
  AdamWOptions& weight_decay(double lambda) {
    decoupled_weight_decay = lambda;
    return *this;
  }
  std::unique_ptr<Options> clone() const override { return std::make_unique<AdamWOptions>(*this); }

  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  double decoupled_weight_decay = 1e-2;
  bool correct_bias = true;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = AdamWOptions());
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults);
  std::string name() const override { return "adamw"; }

 protected:
  void update(const Options& options, double lr, ParamView& param, int64_t t) override;
};

}  // namespace adamite::optim
