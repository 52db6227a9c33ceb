#pragma once
#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

struct SignSGDOptions : Options {
  explicit SignSGDOptions(double learning_rate = 1e-3) { lr = learning_rate; }
  std::unique_ptr<Options> clone() const override {
    return std::make_unique<SignSGDOptions>(*this);
  }
};

class SignSGD : public Optimizer {
 public:
  SignSGD(std::vector<Tensor> params, const SignSGDOptions& options)
      : Optimizer({{std::move(params), nullptr}}, options, /*state_names=*/{}) {}
  std::string name() const override { return "signsgd"; }

 protected:
  void update(const Options&, double lr, ParamView& p, int64_t) override {
    p.theta -= static_cast<float>(lr) * p.grad.sign();
  }
};

}  // namespace adamite::optim
