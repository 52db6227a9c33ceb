#include "adamite/optim/registry.hpp"

#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>

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

// The hyperparameters a user can give, by the names the options types declare them under
// (null: not one a user gives, e.g. Nesterov, which has its own registry entry).
std::optional<double> Hyperparameters::*value_field(std::string_view name) {
  if (name == "beta1") return &Hyperparameters::beta1;
  if (name == "beta2") return &Hyperparameters::beta2;
  if (name == "eps") return &Hyperparameters::eps;
  if (name == "momentum") return &Hyperparameters::momentum;
  if (name == "rho") return &Hyperparameters::rho;
  if (name == "weight_decay") return &Hyperparameters::weight_decay;
  return nullptr;
}
bool Hyperparameters::*switch_field(std::string_view name) {
  if (name == "bias_correction") return &Hyperparameters::bias_correction;
  if (name == "centered") return &Hyperparameters::centered;
  return nullptr;
}

}  // namespace

void apply_hyperparameters(const Hyperparameters& h, Options& options) {
  struct Apply final : ArgVisitor {
    const Hyperparameters& h;
    bool own_weight_decay = false;  // AdamW's, the decoupled one
    explicit Apply(const Hyperparameters& hyper) : h(hyper) {}
    void operator()(std::string_view name, double& value, Range) override {
      own_weight_decay = own_weight_decay || name == "weight_decay";
      if (const auto field = value_field(name); field && h.*field) value = *(h.*field);
    }
    void operator()(std::string_view name, bool& value) override {
      if (const auto field = switch_field(name)) value = h.*field;
    }
  } visit(h);
  options.visit_args(visit);
  if (h.lr) options.lr(*h.lr);
  if (h.weight_decay && !visit.own_weight_decay) options.weight_decay(*h.weight_decay);  // L2
}

std::string describe_defaults(Options& options) {
  struct Describe final : ArgVisitor {
    std::ostringstream text;
    void operator()(std::string_view name, double& value, Range) override {
      if (value_field(name)) text << ' ' << name << '=' << value;
    }
    void operator()(std::string_view name, bool& value) override {
      if (switch_field(name)) text << ' ' << name << (value ? "=on" : "=off");
    }
  } visit;
  visit.text << "lr=" << options.lr();
  options.visit_args(visit);
  return visit.text.str();
}

const std::vector<OptimizerEntry>& optimizer_registry() {
  static const std::vector<OptimizerEntry> registry = {
      make_entry<SGD>("sgd", "stochastic gradient descent, optional momentum"),
      make_entry<SGD>("nesterov", "SGD with Nesterov momentum (PyTorch's formulation)",
                      SGDOptions().momentum(0.9).nesterov(true)),
      make_entry<AdaGrad>("adagrad", "AdaGrad, Duchi et al. 2011 (eps outside the root)"),
      make_entry<RMSProp>(
          "rmsprop",
          "RMSProp, Tieleman & Hinton 2012 (eps outside the root; optional momentum, centered)"),
      make_entry<AdaDelta>("adadelta",
                           "AdaDelta, Zeiler 2012 (lr scales the step; 1 is the paper)"),
      make_entry<Adam>("adam", "Adam, Kingma & Ba Algorithm 1 (eps outside the root)"),
      make_entry<AdamW>(
          "adamw",
          "AdamW, Loshchilov & Hutter: weight_decay is the decoupled lambda, not L2 (PyTorch's "
          "form)"),
      make_entry<AdaMax>("adamax",
                         "AdaMax, Kingma & Ba Algorithm 2 (no eps; no update where u = 0)"),
      make_entry<Nadam>(
          "nadam", "Nadam, Dozat 2016, constant beta1 (PyTorch >= 2.0 NAdam, momentum_decay=inf)"),
      make_entry<Adam>("amsgrad",
                       "Adam with AMSGrad's running max of v, Reddi et al. 2018 (PyTorch's form)",
                       AdamOptions().amsgrad(true)),
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
