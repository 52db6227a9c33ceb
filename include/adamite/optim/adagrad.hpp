// AdaGrad (Duchi, Hazan & Singer, JMLR 2011), diagonal form:
//   s ← s + g²;  θ ← θ − α g / (√s + ε)
// ε is outside the square root, as in PyTorch (Keras puts it inside: √(s + ε)). The accumulator
// starts at 0 (PyTorch's initial_accumulator_value = 0; Keras starts it at 0.1). Defaults
// α = 1e-2, ε = 1e-10 (PyTorch's). With ε = 0, a coordinate whose gradient has always been 0 is
// left unchanged.
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

struct AdaGradOptions : Options {
  explicit AdaGradOptions(double learning_rate = 1e-2) { lr = learning_rate; }
  AdaGradOptions& eps(double e) {
    epsilon = e;
    return *this;
  }
  AdaGradOptions& weight_decay(double wd) {
    Options::weight_decay = wd;
    return *this;
  }
  std::unique_ptr<Options> clone() const override {
    return std::make_unique<AdaGradOptions>(*this);
  }

  double epsilon = 1e-10;
};

class AdaGrad : public Optimizer {
 public:
  AdaGrad(std::vector<Tensor> params, const AdaGradOptions& options = AdaGradOptions());
  AdaGrad(std::vector<ParamGroup> groups, const AdaGradOptions& defaults);
  std::string name() const override { return "adagrad"; }

 protected:
  void update(const Options& options, double lr, ParamView& param, int64_t t) override;
};

}  // namespace adamite::optim
