#include "adamite/optim/nadam.hpp"

#include <cmath>

#include "checks.hpp"

namespace adamite::optim {
namespace {
void check(const NadamOptions& o) {
  detail::check_unit_interval("nadam", "beta1", o.beta1);
  detail::check_unit_interval("nadam", "beta2", o.beta2);
  detail::check_non_negative("nadam", "eps", o.epsilon);
}
std::vector<std::string> buffers_for(const NadamOptions& o) {
  check(o);
  return {"exp_avg", "exp_avg_sq"};
}
}  // namespace

Nadam::Nadam(std::vector<Tensor> params, const NadamOptions& options)
    : Nadam(std::vector<ParamGroup>{{std::move(params), nullptr}}, options) {}

Nadam::Nadam(std::vector<ParamGroup> groups, const NadamOptions& defaults)
    : Optimizer(std::move(groups), defaults, buffers_for(defaults)) {
  detail::check_groups<NadamOptions>(param_groups(), name(), check);
}

void Nadam::update(const Options& base, double lr, ParamView& p, int64_t t) {
  const auto& o = static_cast<const NadamOptions&>(base);
  // 1 − β is rounded from double: 1 − float(0.999) would be off by 1.3e-5 relative.
  const auto b1 = static_cast<float>(o.beta1), b2 = static_cast<float>(o.beta2);
  const auto c1 = static_cast<float>(1.0 - o.beta1), c2 = static_cast<float>(1.0 - o.beta2);
  ArrayMap m = p.state[0].array(), v = p.state[1].array();
  m = b1 * m + c1 * p.grad;
  v = b2 * v + c2 * p.grad.square();
  // Coefficients of m and g in m̂, and 1/(1−β2ᵗ), in double (β2ᵗ is close to 1 for long).
  const double tt = double(t);
  const double cm = o.correct_bias ? o.beta1 / (1.0 - std::pow(o.beta1, tt + 1.0)) : o.beta1;
  const double cg =
      o.correct_bias ? (1.0 - o.beta1) / (1.0 - std::pow(o.beta1, tt)) : 1.0 - o.beta1;
  const double cv = o.correct_bias ? 1.0 / (1.0 - std::pow(o.beta2, tt)) : 1.0;
  const auto alpha = static_cast<float>(lr), eps = static_cast<float>(o.epsilon);
  const auto m_coef = static_cast<float>(cm), g_coef = static_cast<float>(cg);
  const auto v_coef = static_cast<float>(cv);
  const auto m_hat = m_coef * m + g_coef * p.grad;
  if (eps > 0.0f)
    p.theta -= alpha * m_hat / ((v * v_coef).sqrt() + eps);
  else  // ε = 0: no update (rather than 0/0) where v is 0
    p.theta -= (v > 0.0f).select(alpha * m_hat / (v * v_coef).sqrt(), 0.0f);
}

}  // namespace adamite::optim
