#include "adamite/optim/sgd.hpp"

#include <stdexcept>

namespace adamite::optim {

void SGDOptions::check() const {
  if (nesterov() && momentum() == 0.0)
    throw std::invalid_argument("sgd: Nesterov needs a momentum > 0");
}

void SGD::update(const SGDOptions& o, double lr, ParamView& p, int64_t) {
  const float alpha = static_cast<float>(lr), mu = static_cast<float>(o.momentum());
  if (mu == 0.0f) {
    p.theta -= alpha * p.grad;
    return;
  }
  ArrayMap b = p.state(momentum_buffer_);
  b = mu * b + p.grad;
  if (o.nesterov())
    p.theta -= alpha * (p.grad + mu * b);
  else
    p.theta -= alpha * b;
}

}  // namespace adamite::optim
