#include "adamite/optim/adam.hpp"

#include <cmath>
#include <stdexcept>

namespace adamite::optim {
namespace {
std::vector<std::string> buffers_for(const AdamOptions& o) {
  if (!(o.beta1 >= 0.0 && o.beta1 < 1.0) || !(o.beta2 >= 0.0 && o.beta2 < 1.0))
    throw std::invalid_argument("adam: betas must be in [0, 1), got " + std::to_string(o.beta1) +
                                " and " + std::to_string(o.beta2));
  if (!(o.epsilon > 0.0)) throw std::invalid_argument("adam: eps must be > 0");
  return {"exp_avg", "exp_avg_sq"};
}
}  // namespace

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam(std::vector<ParamGroup>{{std::move(params), nullptr}}, options) {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults)
    : Optimizer(std::move(groups), defaults, buffers_for(defaults)) {}

void Adam::update(const Options& base, double lr, ParamView& p, int64_t t) {
  const auto& o = static_cast<const AdamOptions&>(base);
  const auto b1 = static_cast<float>(o.beta1), b2 = static_cast<float>(o.beta2);
  ArrayMap m = p.state[0].array(), v = p.state[1].array();
  m = b1 * m + (1.0f - b1) * p.grad;
  v = b2 * v + (1.0f - b2) * p.grad.square();
  // The corrections 1/(1−βᵗ) are computed in double: β2ᵗ is close to 1 for thousands of steps.
  const double m_scale = o.correct_bias ? 1.0 / (1.0 - std::pow(o.beta1, double(t))) : 1.0;
  const double v_scale = o.correct_bias ? 1.0 / (1.0 - std::pow(o.beta2, double(t))) : 1.0;
  const auto alpha = static_cast<float>(lr), eps = static_cast<float>(o.epsilon);
  const auto mc = static_cast<float>(m_scale), vc = static_cast<float>(v_scale);
  p.theta -= alpha * (m * mc) / ((v * vc).sqrt() + eps);
}

}  // namespace adamite::optim
