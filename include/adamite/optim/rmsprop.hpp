// RMSProp (Tieleman & Hinton, 2012, lecture 6.5), in PyTorch's form:
//   s ← ρ s + (1−ρ) g²;                 denominator d = √s + ε
//   centered (Graves 2013):  ḡ ← ρ ḡ + (1−ρ) g;  d = √(s − ḡ²) + ε   (a variance estimate)
//   without momentum:        θ ← θ − α g / d
//   with momentum μ > 0:     b ← μ b + g / d;  θ ← θ − α b
// ε is outside the square root, as in PyTorch (Keras and TensorFlow put it inside: √(s + ε), and
// keep α inside the momentum buffer). Defaults α = 1e-3, ρ = 0.9, ε = 1e-8, μ = 0, not centered:
// ρ = 0.9 and α = 1e-3 are Tieleman & Hinton's and Keras's values; PyTorch defaults to α = 1e-2,
// ρ (its `alpha`) = 0.99. With ε = 0, a coordinate whose gradient has always been 0 is left
// unchanged.
//
// State buffers: "square_avg" always; "momentum_buffer" only when the defaults have μ > 0;
// "grad_avg" only when the defaults are centered. A parameter group may therefore drop momentum
// or centring, but not add them when the defaults do not have them.
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

struct RMSPropOptions : Options {
  explicit RMSPropOptions(double learning_rate = 1e-3) { lr = learning_rate; }
  RMSPropOptions& rho(double r) {
    decay = r;
    return *this;
  }
  RMSPropOptions& eps(double e) {
    epsilon = e;
    return *this;
  }
  RMSPropOptions& momentum(double m) {
    momentum_ = m;
    return *this;
  }
  RMSPropOptions& centered(bool on) {
    centered_ = on;
    return *this;
  }
  RMSPropOptions& weight_decay(double wd) {
    Options::weight_decay = wd;
    return *this;
  }
  std::unique_ptr<Options> clone() const override {
    return std::make_unique<RMSPropOptions>(*this);
  }

  double decay = 0.9, epsilon = 1e-8, momentum_ = 0.0;
  bool centered_ = false;
};

class RMSProp : public Optimizer {
 public:
  RMSProp(std::vector<Tensor> params, const RMSPropOptions& options = RMSPropOptions());
  RMSProp(std::vector<ParamGroup> groups, const RMSPropOptions& defaults);
  std::string name() const override { return "rmsprop"; }

 protected:
  void update(const Options& options, double lr, ParamView& param, int64_t t) override;

 private:
  size_t momentum_slot_ = 0, grad_avg_slot_ = 0;  // 0: no such buffer (slot 0 is square_avg)
};

}  // namespace adamite::optim
