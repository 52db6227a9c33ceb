// Reverse-mode automatic differentiation, define-by-run.
//
// Every op that sees an input requiring a gradient gives its output a Node: the inputs and a
// closure that, handed the output's gradient, adds each input's share to that input's grad.
// Tensor::backward() orders the graph topologically and runs the closures from the loss back.
#pragma once

#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

#include "adamite/detail/backward_fn.hpp"
#include "adamite/detail/small_objects.hpp"
#include "adamite/tensor.hpp"

namespace adamite {

struct Node {
  const char* op_name;
  std::vector<Tensor, detail::PoolAllocator<Tensor>> inputs;
  detail::BackwardFn backward;  // called with the output's gradient
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

// Makes `output` a node of the graph: its gradient flows to `inputs` through `backward`.
// Does nothing when no input requires a gradient or recording is off. Undefined inputs (e.g. an
// absent bias) are left out.
void record(const char* op_name, const Tensor& output, std::span<const Tensor> inputs,
            detail::BackwardFn backward);
inline void record(const char* op_name, const Tensor& output, std::initializer_list<Tensor> inputs,
                   detail::BackwardFn backward) {
  record(op_name, output, std::span<const Tensor>(inputs.begin(), inputs.size()),
         std::move(backward));
}

}  // namespace adamite
