// Optimizers by name, for the command line and the reproduction harness. Adding an algorithm
// adds one make_entry<Algorithm>(...) line in src/optim/registry.cpp.
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

// Sets on `options`, by name, every hyperparameter `hyper` gives that the algorithm has (AdaMax
// has no ε: it ignores one); the switches bias_correction and centered are always given.
void apply_hyperparameters(const Hyperparameters& hyper, Options& options);
// "lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 bias_correction=on": the values of everything a
// user can set. A switch an entry fixes (Nesterov, AMSGrad) is in the entry's name instead.
std::string describe_defaults(Options& options);

// One registry line: the algorithm, its name and summary, and the defaults it starts from.
template <class Algorithm>
OptimizerEntry make_entry(
    std::string name, std::string summary,
    typename Algorithm::options_type defaults = typename Algorithm::options_type()) {
  std::string text = describe_defaults(defaults);
  return {std::move(name), std::move(summary), std::move(text),
          [defaults](std::vector<Tensor> params,
                     const Hyperparameters& hyper) -> std::unique_ptr<Optimizer> {
            typename Algorithm::options_type options = defaults;
            apply_hyperparameters(hyper, options);
            return std::make_unique<Algorithm>(std::move(params), options);
          }};
}

const std::vector<OptimizerEntry>& optimizer_registry();
// Throws std::invalid_argument naming the known optimizers when `name` is not one.
const OptimizerEntry& find_optimizer(const std::string& name);
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params,
                                          const Hyperparameters& hyper = {});

}  // namespace adamite::optim
