#pragma once
#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

// Signum (Bernstein et al. 2018): b ← μ b + (1−μ) g;  θ ← θ − α sign(b). With μ = 0, sign-SGD.
#define ADAMITE_SIGNSGD_ARGS(ARG) ARG(double, momentum, 0.0, unit)

struct SignSGDOptions : OptionsOf<SignSGDOptions> {
  static constexpr double kDefaultLr = 1e-3;
  ADAMITE_OPTIONS(ADAMITE_SIGNSGD_ARGS)
  std::string algorithm() const { return "signsgd"; }
};

class SignSGD : public OptimizerOf<SignSGDOptions> {
 public:
  using OptimizerOf::OptimizerOf;

 protected:
  void update(const SignSGDOptions& o, double lr, ParamView& p, int64_t) override {
    const auto mu = static_cast<float>(o.momentum()), c = static_cast<float>(1.0 - o.momentum());
    ArrayMap b = p.state(momentum_buffer_);
    b = mu * b + c * p.grad;
    p.theta -= static_cast<float>(lr) * b.sign();
  }

 private:
  const StateSlot momentum_buffer_ = add_state("momentum_buffer");  // b
};

}  // namespace adamite::optim
