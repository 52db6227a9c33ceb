#include "adamite/optim/adagrad.hpp"

namespace adamite::optim {

void AdaGrad::update(const AdaGradOptions& o, double lr, ParamView& p, int64_t) {
  const auto alpha = static_cast<float>(lr), eps = static_cast<float>(o.eps());
  ArrayMap s = p.state(sum_);
  s += p.grad.square();
  if (eps > 0.0f)
    p.theta -= alpha * p.grad / (s.sqrt() + eps);
  else  // ε = 0: no update (rather than 0/0) where s is 0
    p.theta -= (s > 0.0f).select(alpha * p.grad / s.sqrt(), 0.0f);
}

}  // namespace adamite::optim
