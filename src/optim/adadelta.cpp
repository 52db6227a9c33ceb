#include "adamite/optim/adadelta.hpp"

#include "checks.hpp"

namespace adamite::optim {
namespace {
void check(const AdaDeltaOptions& o) {
  detail::check_unit_interval("adadelta", "rho", o.decay);
  detail::check_non_negative("adadelta", "eps", o.epsilon, /*strict=*/true);
}
std::vector<std::string> buffers_for(const AdaDeltaOptions& o) {
  check(o);
  return {"square_avg", "acc_delta"};
}
}  // namespace

AdaDelta::AdaDelta(std::vector<Tensor> params, const AdaDeltaOptions& options)
    : AdaDelta(std::vector<ParamGroup>{{std::move(params), nullptr}}, options) {}

AdaDelta::AdaDelta(std::vector<ParamGroup> groups, const AdaDeltaOptions& defaults)
    : Optimizer(std::move(groups), defaults, buffers_for(defaults)) {
  detail::check_groups<AdaDeltaOptions>(param_groups(), name(), check);
}

void AdaDelta::update(const Options& base, double lr, ParamView& p, int64_t) {
  const auto& o = static_cast<const AdaDeltaOptions&>(base);
  const auto rho = static_cast<float>(o.decay), c = static_cast<float>(1.0 - o.decay);
  const auto eps = static_cast<float>(o.epsilon);
  const auto alpha = static_cast<float>(lr);
  ArrayMap s = p.state[0].array(), d = p.state[1].array();
  s = rho * s + c * p.grad.square();
  // θ first: Δ uses the old d. Then d ← ρ d + (1−ρ) Δ², with Δ² = (d + ε)/(s + ε)·g² (same old d).
  p.theta -= alpha * ((d + eps).sqrt() / (s + eps).sqrt() * p.grad);
  d = rho * d + c * ((d + eps) / (s + eps) * p.grad.square());
}

}  // namespace adamite::optim
