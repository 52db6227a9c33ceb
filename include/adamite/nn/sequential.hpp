// Sequential: runs its children in order. Children are named "0", "1", ... so parameter names
// match those of the equivalent torch.nn.Sequential.
#pragma once

#include <memory>
#include <utility>

#include "adamite/nn/module.hpp"
#include "adamite/nn/size2.hpp"

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
    return emplace<M>(std::forward<Args>(args)...);
  }
  // A braced size cannot pass through a deduced argument; these take the layers' forms with
  // sizes, net.add<Conv2d>(3, 16, {3, 3}, {1, 1}, {1, 1}) and net.add<MaxPool2d>({2, 2}).
  template <class M, class A, class B, class... Rest>
  std::shared_ptr<M> add(A&& a, B&& b, Size2 kernel, Size2 stride, Size2 padding, Rest&&... rest) {
    return emplace<M>(std::forward<A>(a), std::forward<B>(b), kernel, stride, padding,
                      std::forward<Rest>(rest)...);
  }
  template <class M, class A, class B>
  std::shared_ptr<M> add(A&& a, B&& b, Size2 kernel, Size2 stride = 1) {
    return emplace<M>(std::forward<A>(a), std::forward<B>(b), kernel, stride);
  }
  template <class M>
  std::shared_ptr<M> add(Size2 kernel, Size2 stride, Size2 padding = 0) {
    return emplace<M>(kernel, stride, padding);
  }
  template <class M>
  std::shared_ptr<M> add(Size2 kernel) {
    return emplace<M>(kernel);
  }

  // An error inside a layer is rethrown naming the layer: "Sequential layer 2 (Linear(...)): ...".
  Tensor forward(const Tensor& input) override;
  std::string describe() const override { return "Sequential"; }
  size_t size() const { return children().size(); }

 private:
  template <class M, class... Args>
  std::shared_ptr<M> emplace(Args&&... args) {
    auto module = std::make_shared<M>(std::forward<Args>(args)...);
    push_back(module);
    return module;
  }
};

}  // namespace adamite::nn
