#include "adamite/optim/registry.hpp"

#include <stdexcept>

#include "adamite/optim/adam.hpp"
#include "adamite/optim/sgd.hpp"

namespace adamite::optim {
namespace {

std::unique_ptr<Optimizer> make_sgd(std::vector<Tensor> params, const Hyperparameters& h,
                                    double default_momentum, bool nesterov) {
  return std::make_unique<SGD>(std::move(params),
                               SGDOptions(h.lr.value_or(1e-2))
                                   .momentum(h.momentum.value_or(default_momentum))
                                   .nesterov(nesterov)
                                   .weight_decay(h.weight_decay.value_or(0.0)));
}

std::unique_ptr<Optimizer> make_adam(std::vector<Tensor> params, const Hyperparameters& h) {
  return std::make_unique<Adam>(std::move(params),
                                AdamOptions(h.lr.value_or(1e-3))
                                    .betas(h.beta1.value_or(0.9), h.beta2.value_or(0.999))
                                    .eps(h.eps.value_or(1e-8))
                                    .bias_correction(h.bias_correction)
                                    .weight_decay(h.weight_decay.value_or(0.0)));
}

}  // namespace

const std::vector<OptimizerEntry>& optimizer_registry() {
  static const std::vector<OptimizerEntry> registry = {
      {"sgd", "stochastic gradient descent, optional momentum", "lr=0.01 momentum=0",
       [](auto params, const auto& h) { return make_sgd(std::move(params), h, 0.0, false); }},
      {"nesterov", "SGD with Nesterov momentum (PyTorch's formulation)", "lr=0.01 momentum=0.9",
       [](auto params, const auto& h) { return make_sgd(std::move(params), h, 0.9, true); }},
      {"adam", "Adam, Kingma & Ba Algorithm 1 (eps outside the root)",
       "lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 bias_correction=on", make_adam},
  };
  return registry;
}

const OptimizerEntry& find_optimizer(const std::string& name) {
  std::string known;
  for (const OptimizerEntry& entry : optimizer_registry()) {
    if (entry.name == name) return entry;
    known += (known.empty() ? "" : ", ") + entry.name;
  }
  throw std::invalid_argument("unknown optimizer '" + name + "' (known: " + known + ")");
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params,
                                          const Hyperparameters& hyper) {
  return find_optimizer(name).make(std::move(params), hyper);
}

}  // namespace adamite::optim
