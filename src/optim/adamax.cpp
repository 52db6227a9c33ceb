#include "adamite/optim/adamax.hpp"

#include <cmath>

#include "checks.hpp"

namespace adamite::optim {
namespace {
void check(const AdaMaxOptions& o) {
  detail::check_unit_interval("adamax", "beta1", o.beta1);
  detail::check_unit_interval("adamax", "beta2", o.beta2);
}
std::vector<std::string> buffers_for(const AdaMaxOptions& o) {
  check(o);
  return {"exp_avg", "exp_inf"};
}
}  // namespace

AdaMax::AdaMax(std::vector<Tensor> params, const AdaMaxOptions& options)
    : AdaMax(std::vector<ParamGroup>{{std::move(params), nullptr}}, options) {}

AdaMax::AdaMax(std::vector<ParamGroup> groups, const AdaMaxOptions& defaults)
    : Optimizer(std::move(groups), defaults, buffers_for(defaults)) {
  detail::check_groups<AdaMaxOptions>(param_groups(), name(), check);
}

void AdaMax::update(const Options& base, double lr, ParamView& p, int64_t t) {
  const auto& o = static_cast<const AdaMaxOptions&>(base);
  const auto b1 = static_cast<float>(o.beta1), b2 = static_cast<float>(o.beta2);
  const auto c1 = static_cast<float>(1.0 - o.beta1);  // rounded from double, not 1 − float(β1)
  ArrayMap m = p.state[0].array(), u = p.state[1].array();
  m = b1 * m + c1 * p.grad;
  u = (b2 * u).max(p.grad.abs());
  const double step = o.correct_bias ? lr / (1.0 - std::pow(o.beta1, double(t))) : lr;
  const auto alpha_t = static_cast<float>(step);
  p.theta -= (u > 0.0f).select(alpha_t * (m / u), 0.0f);
}

}  // namespace adamite::optim
