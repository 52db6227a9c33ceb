#include "adamite/optim/adagrad.hpp"

#include "checks.hpp"

namespace adamite::optim {
namespace {
void check(const AdaGradOptions& o) {
  detail::check_non_negative("adagrad", "eps", o.epsilon);
}
std::vector<std::string> buffers_for(const AdaGradOptions& o) {
  check(o);
  return {"sum"};
}
}  // namespace

AdaGrad::AdaGrad(std::vector<Tensor> params, const AdaGradOptions& options)
    : AdaGrad(std::vector<ParamGroup>{{std::move(params), nullptr}}, options) {}

AdaGrad::AdaGrad(std::vector<ParamGroup> groups, const AdaGradOptions& defaults)
    : Optimizer(std::move(groups), defaults, buffers_for(defaults)) {
  detail::check_groups<AdaGradOptions>(param_groups(), name(), check);
}

void AdaGrad::update(const Options& base, double lr, ParamView& p, int64_t) {
  const auto& o = static_cast<const AdaGradOptions&>(base);
  const auto alpha = static_cast<float>(lr), eps = static_cast<float>(o.epsilon);
  ArrayMap s = p.state[0].array();
  s += p.grad.square();
  if (eps > 0.0f)
    p.theta -= alpha * p.grad / (s.sqrt() + eps);
  else  // ε = 0: no update (rather than 0/0) where s is 0
    p.theta -= (s > 0.0f).select(alpha * p.grad / s.sqrt(), 0.0f);
}

}  // namespace adamite::optim
