// Sequential: runs its children in order. Children are named "0", "1", ... so parameter names
// match those of the equivalent torch.nn.Sequential.
#pragma once

#include <memory>
#include <utility>

#include "adamite/nn/module.hpp"

namespace adamite::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  template <class... M>
  explicit Sequential(std::shared_ptr<M>... modules) {
    (push_back(std::move(modules)), ...);
  }

  void push_back(std::shared_ptr<Module> module);
  // Constructs a module in place at the end: net.add<Linear>(784, 10).
  template <class M, class... Args>
  std::shared_ptr<M> add(Args&&... args) {
    auto module = std::make_shared<M>(std::forward<Args>(args)...);
    push_back(module);
    return module;
  }

  Tensor forward(const Tensor& input) override;
  std::string describe() const override { return "Sequential"; }
  size_t size() const { return children().size(); }
};

}  // namespace adamite::nn
