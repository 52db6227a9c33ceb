#include "adamite/optim/adadelta.hpp"

namespace adamite::optim {

void AdaDelta::update(const AdaDeltaOptions& o, double lr, ParamView& p, int64_t) {
  const auto rho = static_cast<float>(o.rho()), c = static_cast<float>(1.0 - o.rho());
  const auto eps = static_cast<float>(o.eps());
  const auto alpha = static_cast<float>(lr);
  ArrayMap s = p.state(square_avg_), d = p.state(acc_delta_);
  s = rho * s + c * p.grad.square();
  // θ first: Δ uses the old d. Then d ← ρ d + (1−ρ) Δ², with Δ² = (d + ε)/(s + ε)·g² (same old d).
  p.theta -= alpha * ((d + eps).sqrt() / (s + eps).sqrt() * p.grad);
  d = rho * d + c * ((d + eps) / (s + eps) * p.grad.square());
}

}  // namespace adamite::optim
