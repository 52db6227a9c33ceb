#include "adamite/optim/adamw.hpp"

#include <stdexcept>

#include "adam_step.hpp"
#include "checks.hpp"

namespace adamite::optim {
namespace {
void check(const AdamWOptions& o) {
  detail::check_unit_interval("adamw", "beta1", o.beta1);
  detail::check_unit_interval("adamw", "beta2", o.beta2);
  detail::check_non_negative("adamw", "eps", o.epsilon);
  detail::check_non_negative("adamw", "weight decay", o.decoupled_weight_decay);
  if (o.Options::weight_decay != 0.0)
    throw std::invalid_argument(
        "adamw: the L2 weight decay (Options::weight_decay) must be 0, got " +
        detail::number(o.Options::weight_decay) +
        "; AdamWOptions::weight_decay sets the decoupled decay");
}
std::vector<std::string> buffers_for(const AdamWOptions& o) {
  check(o);
  return {"exp_avg", "exp_avg_sq"};
}
}  // namespace

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : AdamW(std::vector<ParamGroup>{{std::move(params), nullptr}}, options) {}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults)
    : Optimizer(std::move(groups), defaults, buffers_for(defaults)) {
  detail::check_groups<AdamWOptions>(param_groups(), name(), check);
}

void AdamW::update(const Options& base, double lr, ParamView& p, int64_t t) {
  const auto& o = static_cast<const AdamWOptions&>(base);
  if (o.decoupled_weight_decay != 0.0)
    p.theta *= static_cast<float>(1.0 - lr * o.decoupled_weight_decay);
  detail::adam_step(p.theta, p.grad, p.state[0].array(), p.state[1].array(), nullptr, lr,
                    {o.beta1, o.beta2, o.epsilon, o.correct_bias}, t);
}

}  // namespace adamite::optim
