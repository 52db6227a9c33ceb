// Optimizers by name, for the command line and the reproduction harness. Adding an algorithm
// adds one entry in src/optim/registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

// Hyper-parameters as a user gives them; unset ones take the algorithm's defaults.
struct Hyperparameters {
  std::optional<double> lr, beta1, beta2, eps, momentum, rho, weight_decay;
  bool bias_correction = true;
  bool centered = false;  // RMSProp: divide by the variance estimate instead of the 2nd moment
};

struct OptimizerEntry {
  std::string name;
  std::string summary;   // one line: what it is
  std::string defaults;  // e.g. "lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08"
  std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>, const Hyperparameters&)> make;
};

const std::vector<OptimizerEntry>& optimizer_registry();
// Throws std::invalid_argument naming the known optimizers when `name` is not one.
const OptimizerEntry& find_optimizer(const std::string& name);
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params,
                                          const Hyperparameters& hyper = {});

}  // namespace adamite::optim
