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

#define ADAMITE_ADADELTA_ARGS(ARG) \
  ARG(double, rho, 0.95, unit)     \
  ARG(double, eps, 1e-6, positive)

struct AdaDeltaOptions : OptionsOf<AdaDeltaOptions> {
  static constexpr double kDefaultLr = 1.0;
  ADAMITE_OPTIONS(ADAMITE_ADADELTA_ARGS)
  std::string algorithm() const { return "adadelta"; }
};

class AdaDelta : public OptimizerOf<AdaDeltaOptions> {
 public:
  using OptimizerOf::OptimizerOf;

 private:
  void update(const AdaDeltaOptions& o, double lr, ParamView& p, int64_t t) override;
  const StateSlot square_avg_ = add_state("square_avg");  // s
  const StateSlot acc_delta_ = add_state("acc_delta");    // d
};

}  // namespace adamite::optim
