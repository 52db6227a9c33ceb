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

#define ADAMITE_RMSPROP_ARGS(ARG)      \
  ARG(double, rho, 0.9, unit)          \
  ARG(double, eps, 1e-8, non_negative) \
  ARG(double, momentum, 0.0, unit)     \
  ARG(bool, centered, false, any)

struct RMSPropOptions : OptionsOf<RMSPropOptions> {
  static constexpr double kDefaultLr = 1e-3;
  ADAMITE_OPTIONS(ADAMITE_RMSPROP_ARGS)
  std::string algorithm() const { return "rmsprop"; }
};

class RMSProp : public OptimizerOf<RMSPropOptions> {
 public:
  using OptimizerOf::OptimizerOf;

 private:
  void update(const RMSPropOptions& o, double lr, ParamView& p, int64_t t) override;
  const StateSlot square_avg_ = add_state("square_avg");  // s
  const StateSlot momentum_buffer_ =                      // b
      add_state_if([](const RMSPropOptions& o) { return o.momentum() > 0.0; }, "momentum_buffer");
  const StateSlot grad_avg_ =  // ḡ
      add_state_if([](const RMSPropOptions& o) { return o.centered(); }, "grad_avg");
};

}  // namespace adamite::optim
