#include "adamite/optim/sgd.hpp"

#include <stdexcept>

namespace adamite::optim {
namespace {
std::vector<std::string> buffers_for(const SGDOptions& options) {
  if (options.momentum_ < 0.0 || options.momentum_ >= 1.0)
    throw std::invalid_argument("sgd: momentum must be in [0, 1), got " +
                                std::to_string(options.momentum_));
  if (options.nesterov_ && options.momentum_ == 0.0)
    throw std::invalid_argument("sgd: Nesterov needs a momentum > 0");
  return {"momentum_buffer"};
}
}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : SGD(std::vector<ParamGroup>{{std::move(params), nullptr}}, options) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults)
    : Optimizer(std::move(groups), defaults, buffers_for(defaults)) {}

void SGD::update(const Options& base, double lr, ParamView& p, int64_t) {
  const auto& options = static_cast<const SGDOptions&>(base);
  const float alpha = static_cast<float>(lr), mu = static_cast<float>(options.momentum_);
  if (mu == 0.0f) {
    p.theta -= alpha * p.grad;
    return;
  }
  ArrayMap b = p.state[0].array();
  b = mu * b + p.grad;
  if (options.nesterov_)
    p.theta -= alpha * (p.grad + mu * b);
  else
    p.theta -= alpha * b;
}

}  // namespace adamite::optim
