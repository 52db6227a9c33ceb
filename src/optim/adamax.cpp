#include "adamite/optim/adamax.hpp"

#include <cmath>

namespace adamite::optim {

void AdaMax::update(const AdaMaxOptions& o, double lr, ParamView& p, int64_t t) {
  const auto [beta1, beta2] = o.betas();
  const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const auto c1 = static_cast<float>(1.0 - beta1);  // rounded from double, not 1 − float(β1)
  ArrayMap m = p.state(exp_avg_), u = p.state(exp_inf_);
  m = b1 * m + c1 * p.grad;
  u = (b2 * u).max(p.grad.abs());
  const double step = o.bias_correction() ? lr / (1.0 - std::pow(beta1, double(t))) : lr;
  const auto alpha_t = static_cast<float>(step);
  p.theta -= (u > 0.0f).select(alpha_t * (m / u), 0.0f);
}

}  // namespace adamite::optim
