#include "adamite/optim/nadam.hpp"

#include <cmath>

namespace adamite::optim {

void Nadam::update(const NadamOptions& o, double lr, ParamView& p, int64_t t) {
  const auto [beta1, beta2] = o.betas();
  // 1 − β is rounded from double: 1 − float(0.999) would be off by 1.3e-5 relative.
  const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const auto c1 = static_cast<float>(1.0 - beta1), c2 = static_cast<float>(1.0 - beta2);
  ArrayMap m = p.state(exp_avg_), v = p.state(exp_avg_sq_);
  m = b1 * m + c1 * p.grad;
  v = b2 * v + c2 * p.grad.square();
  // Coefficients of m and g in m̂, and 1/(1−β2ᵗ), in double (β2ᵗ is close to 1 for long).
  const double tt = double(t);
  const bool correct = o.bias_correction();
  const double cm = correct ? beta1 / (1.0 - std::pow(beta1, tt + 1.0)) : beta1;
  const double cg = correct ? (1.0 - beta1) / (1.0 - std::pow(beta1, tt)) : 1.0 - beta1;
  const double cv = correct ? 1.0 / (1.0 - std::pow(beta2, tt)) : 1.0;
  const auto alpha = static_cast<float>(lr), eps = static_cast<float>(o.eps());
  const auto m_coef = static_cast<float>(cm), g_coef = static_cast<float>(cg);
  const auto v_coef = static_cast<float>(cv);
  const auto m_hat = m_coef * m + g_coef * p.grad;
  if (eps > 0.0f)
    p.theta -= alpha * m_hat / ((v * v_coef).sqrt() + eps);
  else  // ε = 0: no update (rather than 0/0) where v is 0
    p.theta -= (v > 0.0f).select(alpha * m_hat / (v * v_coef).sqrt(), 0.0f);
}

}  // namespace adamite::optim
