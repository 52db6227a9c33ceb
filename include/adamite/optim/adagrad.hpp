// AdaGrad (Duchi, Hazan & Singer, JMLR 2011), diagonal form:
//   s ← s + g²;  θ ← θ − α g / (√s + ε)
// ε is outside the square root, as in PyTorch (Keras puts it inside: √(s + ε)). The accumulator
// starts at 0 (PyTorch's initial_accumulator_value = 0; Keras starts it at 0.1). Defaults
// α = 1e-2, ε = 1e-10 (PyTorch's). With ε = 0, a coordinate whose gradient has always been 0 is
// left unchanged.
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

#define ADAMITE_ADAGRAD_ARGS(ARG) ARG(double, eps, 1e-10, non_negative)

struct AdaGradOptions : OptionsOf<AdaGradOptions> {
  static constexpr double kDefaultLr = 1e-2;
  ADAMITE_OPTIONS(ADAMITE_ADAGRAD_ARGS)
  std::string algorithm() const { return "adagrad"; }
};

class AdaGrad : public OptimizerOf<AdaGradOptions> {
 public:
  using OptimizerOf::OptimizerOf;

 private:
  void update(const AdaGradOptions& o, double lr, ParamView& p, int64_t t) override;
  const StateSlot sum_ = add_state("sum");  // s
};

}  // namespace adamite::optim
