#include "adamite/optim/adamw.hpp"

#include <stdexcept>

#include "adam_step.hpp"
#include "number.hpp"

namespace adamite::optim {

void AdamWOptions::check() const {
  if (Options::weight_decay() != 0.0)
    throw std::invalid_argument(
        "adamw: the L2 weight decay (Options::weight_decay) must be 0, got " +
        detail::number(Options::weight_decay()) +
        "; AdamWOptions::weight_decay sets the decoupled decay");
}

void AdamW::update(const AdamWOptions& o, double lr, ParamView& p, int64_t t) {
  if (o.weight_decay() != 0.0) p.theta *= static_cast<float>(1.0 - lr * o.weight_decay());
  detail::adam_step(p.theta, p.grad, p.state(exp_avg_), p.state(exp_avg_sq_), nullptr, lr,
                    detail::moments_of(o), t);
}

}  // namespace adamite::optim
