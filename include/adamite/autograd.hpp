// Reverse-mode automatic differentiation, define-by-run.
//
// Every op that sees an input requiring a gradient gives its output a Node: the inputs and a
// closure that, handed the output's gradient, adds each input's share to that input's grad.
// Tensor::backward() orders the graph topologically and runs the closures from the loss back.
#pragma once

#include <functional>
#include <vector>

#include "adamite/tensor.hpp"

namespace adamite {

struct Node {
  const char* op_name;
  std::vector<Tensor> inputs;
  std::function<void(const Tensor& grad_output)> backward;
};

// True while gradients are being recorded (the default). Thread-local.
bool grad_enabled();

// Within its scope no graph is recorded: for evaluation and optimizer updates.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Whether an op must record a node for these inputs.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);

// Makes `output` a node of the graph: its gradient flows to `inputs` through `backward`.
// Does nothing when no input requires a gradient or recording is off.
void record(const char* op_name, const Tensor& output, std::vector<Tensor> inputs,
            std::function<void(const Tensor& grad_output)> backward);

}  // namespace adamite
