#include "adamite/optim/rmsprop.hpp"

namespace adamite::optim {

void RMSProp::update(const RMSPropOptions& o, double lr, ParamView& p, int64_t) {
  const auto rho = static_cast<float>(o.rho()), c = static_cast<float>(1.0 - o.rho());
  const auto eps = static_cast<float>(o.eps());
  const auto alpha = static_cast<float>(lr), mu = static_cast<float>(o.momentum());
  ArrayMap s = p.state(square_avg_);
  s = rho * s + c * p.grad.square();
  // θ moves by α·(g/d), directly or through the momentum buffer, in one fused Eigen pass.
  const auto apply = [&](const auto& scaled) {
    if (mu > 0.0f) {
      ArrayMap b = p.state(momentum_buffer_);
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
  if (o.centered()) {
    ArrayMap g_avg = p.state(grad_avg_);
    g_avg = rho * g_avg + c * p.grad;
    divide((s - g_avg.square()).max(0.0f).sqrt());  // ≥ 0 exactly; clamp the rounding
  } else {
    divide(s.sqrt());
  }
}

}  // namespace adamite::optim
