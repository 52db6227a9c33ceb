// Stochastic gradient descent, with optional (Nesterov) momentum.
//   plain:     θ ← θ − α g
//   momentum:  b ← μ b + g;  θ ← θ − α b
//   Nesterov:  b ← μ b + g;  θ ← θ − α (g + μ b)   (PyTorch's formulation)
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

#define ADAMITE_SGD_ARGS(ARG)      \
  ARG(double, momentum, 0.0, unit) \
  ARG(bool, nesterov, false, any)

struct SGDOptions : OptionsOf<SGDOptions> {
  static constexpr double kDefaultLr = 1e-2;
  ADAMITE_OPTIONS(ADAMITE_SGD_ARGS)
  std::string algorithm() const { return "sgd"; }
  void check() const;  // Nesterov needs a momentum > 0
};

class SGD : public OptimizerOf<SGDOptions> {
 public:
  using OptimizerOf::OptimizerOf;

 private:
  void update(const SGDOptions& o, double lr, ParamView& p, int64_t t) override;
  const StateSlot momentum_buffer_ = add_state("momentum_buffer");  // b
};

}  // namespace adamite::optim
