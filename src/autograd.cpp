#include "adamite/autograd.hpp"

#include <stdexcept>

#include "adamite/detail/graph_walk.hpp"

namespace adamite {
namespace {
thread_local bool g_grad_enabled = true;
}  // namespace

bool grad_enabled() {
  return g_grad_enabled;
}

NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) {
  g_grad_enabled = false;
}
NoGradGuard::~NoGradGuard() {
  g_grad_enabled = previous_;
}

void record(const char* op_name, const Tensor& output, std::span<const Tensor> inputs,
            detail::BackwardFn backward) {
  if (!g_grad_enabled) return;
  bool needed = false;
  for (const Tensor& t : inputs) needed = needed || (t.defined() && t.requires_grad());
  if (!needed) return;
  auto node = std::allocate_shared<Node>(detail::PoolAllocator<Node>{});
  node->op_name = op_name;
  for (const Tensor& t : inputs)
    if (t.defined()) node->inputs.push_back(t);
  node->backward = std::move(backward);
  output.set_grad_fn(std::move(node));
}

// Depth-first post-order gives a topological order; walking it backwards visits every tensor
// after all the tensors that consumed it, so its gradient is complete when its node runs.
// Leaves have no node to run, so the walk does not enter them.
void Tensor::backward() const {
  if (numel() != 1)
    throw std::invalid_argument("backward: needs a scalar loss, got shape " + to_string(shape()));
  if (!requires_grad())
    throw std::logic_error("backward: the loss does not depend on any tensor that requires grad");

  const detail::GraphWalkLoan loan;  // containers reused from the last pass: no allocation
  auto& [stack, order, visited] = *loan;
  stack.push_back({*this, 0});
  while (!stack.empty()) {
    auto& [t, next_input] = stack.back();
    const auto& node = t.grad_fn();
    if (node && next_input < node->inputs.size()) {
      const Tensor& input = node->inputs[next_input++];
      if (input.grad_fn() && visited.insert(input.impl())) stack.push_back({input, 0});
    } else {
      order.push_back(t);
      stack.pop_back();
    }
  }

  grad_or_zeros().fill_(1.0f);
  NoGradGuard no_grad;  // backward passes compute plain numbers, not graphs
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Tensor& t = *it;
    std::shared_ptr<Node> node = t.grad_fn();
    if (!node) continue;  // the loss itself is a leaf
    if (t.grad().defined()) node->backward(t.grad());
    // Free the graph as we go, as PyTorch does without retain_graph: an op output's gradient and
    // saved tensors are not needed once its node has run.
    t.impl()->grad = Tensor();
    t.impl()->grad_fn.reset();
  }
}

}  // namespace adamite
