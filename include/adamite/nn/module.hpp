// Module: a piece of a network that owns named parameters and named child modules, like
// torch::nn::Module. Parameter names are dotted paths ("2.weight"), as PyTorch names them.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adamite/tensor.hpp"

namespace adamite::nn {

class Module {
 public:
  virtual ~Module() = default;

  virtual Tensor forward(const Tensor& input) = 0;
  Tensor operator()(const Tensor& input) { return forward(input); }

  // Every parameter of this module and its descendants, in registration order.
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  // State that is not trained (BatchNorm's running statistics): saved, loaded and checkpointed
  // with the parameters, never given to an optimizer.
  std::vector<Tensor> buffers() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  // Everything a saved model holds, as PyTorch's state_dict: the parameters, then the buffers.
  std::vector<std::pair<std::string, Tensor>> named_state() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }

  // Training mode switches dropout (and the like) on; evaluation mode off. Recursive.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // A one-line description, e.g. "Linear(in=784, out=1000)"; by default the class's name.
  virtual std::string describe() const;

 protected:
  // Marks the tensor as requiring a gradient and lists it under `name`.
  Tensor register_parameter(std::string name, Tensor tensor);
  // Lists the tensor under `name` as a buffer (no gradient).
  Tensor register_buffer(std::string name, Tensor tensor);
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    children_.emplace_back(std::move(name), module);
    return module;
  }

 private:
  using Named = std::vector<std::pair<std::string, Tensor>>;
  static void collect(const Module& module, Named Module::*list, const std::string& prefix,
                      Named& out);

  Named parameters_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A one-module-per-line summary with parameter counts, for printing before training.
std::string summary(const Module& module);

}  // namespace adamite::nn
