#include "adamite/optim/rmsprop.hpp"

#include <stdexcept>

#include "checks.hpp"

namespace adamite::optim {
namespace {
void check(const RMSPropOptions& o) {
  detail::check_unit_interval("rmsprop", "rho", o.decay);
  detail::check_unit_interval("rmsprop", "momentum", o.momentum_);
  detail::check_non_negative("rmsprop", "eps", o.epsilon);
}
std::vector<std::string> buffers_for(const RMSPropOptions& o) {
  check(o);
  std::vector<std::string> names = {"square_avg"};
  if (o.momentum_ > 0.0) names.push_back("momentum_buffer");
  if (o.centered_) names.push_back("grad_avg");
  return names;
}
}  // namespace

RMSProp::RMSProp(std::vector<Tensor> params, const RMSPropOptions& options)
    : RMSProp(std::vector<ParamGroup>{{std::move(params), nullptr}}, options) {}

RMSProp::RMSProp(std::vector<ParamGroup> groups, const RMSPropOptions& defaults)
    : Optimizer(std::move(groups), defaults, buffers_for(defaults)) {
  size_t slot = 1;
  if (defaults.momentum_ > 0.0) momentum_slot_ = slot++;
  if (defaults.centered_) grad_avg_slot_ = slot++;
  detail::check_groups<RMSPropOptions>(param_groups(), name(), [this](const RMSPropOptions& o) {
    check(o);
    if (o.momentum_ > 0.0 && momentum_slot_ == 0)
      throw std::invalid_argument(
          "rmsprop: a parameter group uses momentum but the defaults do not (its buffer "
          "momentum_buffer is allocated from the defaults)");
    if (o.centered_ && grad_avg_slot_ == 0)
      throw std::invalid_argument(
          "rmsprop: a parameter group is centered but the defaults are not (its buffer "
          "grad_avg is allocated from the defaults)");
  });
}

void RMSProp::update(const Options& base, double lr, ParamView& p, int64_t) {
  const auto& o = static_cast<const RMSPropOptions&>(base);
  const auto rho = static_cast<float>(o.decay), c = static_cast<float>(1.0 - o.decay);
  const auto eps = static_cast<float>(o.epsilon);
  const auto alpha = static_cast<float>(lr), mu = static_cast<float>(o.momentum_);
  ArrayMap s = p.state[0].array();
  s = rho * s + c * p.grad.square();
  // θ moves by α·(g/d), directly or through the momentum buffer, in one fused Eigen pass.
  const auto apply = [&](const auto& scaled) {
    if (mu > 0.0f) {
      ArrayMap b = p.state[momentum_slot_].array();
      b = mu * b + scaled;
      p.theta -= alpha * b;
    } else {
      p.theta -= alpha * scaled;
    }
  };
  // d = root + ε; with ε = 0, no update (rather than 0/0) where the root is 0.
  const auto divide = [&](const auto& root) {
    if (eps > 0.0f)
      apply(p.grad / (root + eps));
    else
      apply((root > 0.0f).select(p.grad / root, 0.0f));
  };
  if (o.centered_) {
    ArrayMap g_avg = p.state[grad_avg_slot_].array();
    g_avg = rho * g_avg + c * p.grad;
    divide((s - g_avg.square()).max(0.0f).sqrt());  // ≥ 0 exactly; clamp the rounding
  } else {
    divide(s.sqrt());
  }
}

}  // namespace adamite::optim
