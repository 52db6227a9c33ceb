// AdaDelta (Zeiler 2012, Algorithm 1), with PyTorch's learning rate α on top:
//   s ← ρ s + (1−ρ) g²
//   Δ = −(√(d + ε) / √(s + ε)) · g          ε inside both roots, as in the paper
//   d ← ρ d + (1−ρ) Δ²                     d accumulates the unscaled Δ
//   θ ← θ + α Δ
// The paper has no α (α = 1, the default here and in PyTorch); Keras defaults α to 1e-3. Defaults
// ρ = 0.95, ε = 1e-6 are the paper's (PyTorch: ρ = 0.9, ε = 1e-6; Keras: ρ = 0.95, ε = 1e-7).
// ε must be > 0: with ε = 0, d would stay 0 and θ would never move.
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

struct AdaDeltaOptions : Options {
  explicit AdaDeltaOptions(double learning_rate = 1.0) { lr = learning_rate; }
  AdaDeltaOptions& rho(double r) {
    decay = r;
    return *this;
  }
  AdaDeltaOptions& eps(double e) {
    epsilon = e;
    return *this;
  }
  AdaDeltaOptions& weight_decay(double wd) {
    Options::weight_decay = wd;
    return *this;
  }
  std::unique_ptr<Options> clone() const override {
    return std::make_unique<AdaDeltaOptions>(*this);
  }

  double decay = 0.95, epsilon = 1e-6;
};

class AdaDelta : public Optimizer {
 public:
  AdaDelta(std::vector<Tensor> params, const AdaDeltaOptions& options = AdaDeltaOptions());
  AdaDelta(std::vector<ParamGroup> groups, const AdaDeltaOptions& defaults);
  std::string name() const override { return "adadelta"; }

 protected:
  void update(const Options& options, double lr, ParamView& param, int64_t t) override;
};

}  // namespace adamite::optim
