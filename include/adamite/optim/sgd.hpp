// Stochastic gradient descent, with optional (Nesterov) momentum.
//   plain:     θ ← θ − α g
//   momentum:  b ← μ b + g;  θ ← θ − α b
//   Nesterov:  b ← μ b + g;  θ ← θ − α (g + μ b)   (PyTorch's formulation)
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

struct SGDOptions : Options {
  explicit SGDOptions(double learning_rate = 1e-2) { lr = learning_rate; }
  SGDOptions& momentum(double m) {
    momentum_ = m;
    return *this;
  }
  SGDOptions& nesterov(bool on) {
    nesterov_ = on;
    return *this;
  }
  SGDOptions& weight_decay(double wd) {
    Options::weight_decay = wd;
    return *this;
  }
  std::unique_ptr<Options> clone() const override { return std::make_unique<SGDOptions>(*this); }

  double momentum_ = 0.0;
  bool nesterov_ = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults);
  std::string name() const override { return "sgd"; }

 protected:
  void update(const Options& options, double lr, ParamView& param, int64_t t) override;
};

}  // namespace adamite::optim
