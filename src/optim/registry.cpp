#include "adamite/optim/registry.hpp"

#include <stdexcept>

#include "adamite/optim/adadelta.hpp"
#include "adamite/optim/adagrad.hpp"
#include "adamite/optim/adam.hpp"
#include "adamite/optim/adamax.hpp"
#include "adamite/optim/adamw.hpp"
#include "adamite/optim/nadam.hpp"
#include "adamite/optim/rmsprop.hpp"
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

std::unique_ptr<Optimizer> make_adagrad(std::vector<Tensor> params, const Hyperparameters& h) {
  return std::make_unique<AdaGrad>(std::move(params),
                                   AdaGradOptions(h.lr.value_or(1e-2))
                                       .eps(h.eps.value_or(1e-10))
                                       .weight_decay(h.weight_decay.value_or(0.0)));
}

std::unique_ptr<Optimizer> make_rmsprop(std::vector<Tensor> params, const Hyperparameters& h) {
  return std::make_unique<RMSProp>(std::move(params),
                                   RMSPropOptions(h.lr.value_or(1e-3))
                                       .rho(h.rho.value_or(0.9))
                                       .eps(h.eps.value_or(1e-8))
                                       .momentum(h.momentum.value_or(0.0))
                                       .centered(h.centered)
                                       .weight_decay(h.weight_decay.value_or(0.0)));
}

std::unique_ptr<Optimizer> make_adadelta(std::vector<Tensor> params, const Hyperparameters& h) {
  return std::make_unique<AdaDelta>(std::move(params),
                                    AdaDeltaOptions(h.lr.value_or(1.0))
                                        .rho(h.rho.value_or(0.95))
                                        .eps(h.eps.value_or(1e-6))
                                        .weight_decay(h.weight_decay.value_or(0.0)));
}

std::unique_ptr<Optimizer> make_adam(std::vector<Tensor> params, const Hyperparameters& h,
                                     bool amsgrad) {
  return std::make_unique<Adam>(std::move(params),
                                AdamOptions(h.lr.value_or(1e-3))
                                    .betas(h.beta1.value_or(0.9), h.beta2.value_or(0.999))
                                    .eps(h.eps.value_or(1e-8))
                                    .bias_correction(h.bias_correction)
                                    .amsgrad(amsgrad)
                                    .weight_decay(h.weight_decay.value_or(0.0)));
}

// --weight-decay is AdamW's decoupled λ, not an L2 term.
std::unique_ptr<Optimizer> make_adamw(std::vector<Tensor> params, const Hyperparameters& h) {
  return std::make_unique<AdamW>(std::move(params),
                                 AdamWOptions(h.lr.value_or(1e-3))
                                     .betas(h.beta1.value_or(0.9), h.beta2.value_or(0.999))
                                     .eps(h.eps.value_or(1e-8))
                                     .bias_correction(h.bias_correction)
                                     .weight_decay(h.weight_decay.value_or(1e-2)));
}

// AdaMax has no ε.
std::unique_ptr<Optimizer> make_adamax(std::vector<Tensor> params, const Hyperparameters& h) {
  return std::make_unique<AdaMax>(std::move(params),
                                  AdaMaxOptions(h.lr.value_or(2e-3))
                                      .betas(h.beta1.value_or(0.9), h.beta2.value_or(0.999))
                                      .bias_correction(h.bias_correction)
                                      .weight_decay(h.weight_decay.value_or(0.0)));
}

std::unique_ptr<Optimizer> make_nadam(std::vector<Tensor> params, const Hyperparameters& h) {
  return std::make_unique<Nadam>(std::move(params),
                                 NadamOptions(h.lr.value_or(2e-3))
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
      {"adagrad", "AdaGrad, Duchi et al. 2011 (eps outside the root)", "lr=0.01 eps=1e-10",
       make_adagrad},
      {"rmsprop",
       "RMSProp, Tieleman & Hinton 2012 (eps outside the root; optional momentum, centered)",
       "lr=0.001 rho=0.9 eps=1e-08 momentum=0 centered=off", make_rmsprop},
      {"adadelta", "AdaDelta, Zeiler 2012 (lr scales the step; 1 is the paper)",
       "lr=1 rho=0.95 eps=1e-06", make_adadelta},
      {"adam", "Adam, Kingma & Ba Algorithm 1 (eps outside the root)",
       "lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 bias_correction=on",
       [](auto params, const auto& h) { return make_adam(std::move(params), h, false); }},
      {"adamw",
       "AdamW, Loshchilov & Hutter: weight_decay is the decoupled lambda, not L2 (PyTorch's form)",
       "lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 weight_decay=0.01 bias_correction=on", make_adamw},
      {"adamax", "AdaMax, Kingma & Ba Algorithm 2 (no eps; no update where u = 0)",
       "lr=0.002 beta1=0.9 beta2=0.999 bias_correction=on", make_adamax},
      {"nadam", "Nadam, Dozat 2016, constant beta1 (PyTorch >= 2.0 NAdam, momentum_decay=inf)",
       "lr=0.002 beta1=0.9 beta2=0.999 eps=1e-08 bias_correction=on", make_nadam},
      {"amsgrad", "Adam with AMSGrad's running max of v, Reddi et al. 2018 (PyTorch's form)",
       "lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 bias_correction=on",
       [](auto params, const auto& h) { return make_adam(std::move(params), h, true); }},
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
