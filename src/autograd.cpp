#include "adamite/autograd.hpp"

#include <atomic>
#include <stdexcept>

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

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t->requires_grad()) return true;
  return false;
}

void record(const char* op_name, const Tensor& output, std::span<const Tensor> inputs,
            BackwardFn backward) {
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
void Tensor::backward() const {
  if (numel() != 1)
    throw std::invalid_argument("backward: needs a scalar loss, got shape " + to_string(shape()));
  if (!requires_grad())
    throw std::logic_error("backward: the loss does not depend on any tensor that requires grad");

  // The traversal's containers are reused from pass to pass (cleared, capacity kept), so the
  // steady state allocates nothing; a backward() run from inside another (rare) gets its own. A
  // tensor is marked with the pass number when first reached, instead of a set of visited ones.
  static std::atomic<uint64_t> passes{0};
  const uint64_t pass = ++passes;
  thread_local std::vector<Tensor> reused_order;
  thread_local std::vector<std::pair<Tensor, size_t>> reused_stack;
  thread_local bool reused_busy = false;
  std::vector<Tensor> own_order;
  std::vector<std::pair<Tensor, size_t>> own_stack;
  const bool reuse = !reused_busy;
  std::vector<Tensor>& order = reuse ? reused_order : own_order;
  std::vector<std::pair<Tensor, size_t>>& stack = reuse ? reused_stack : own_stack;
  struct Release {  // empties the containers, dropping the graph, even when a closure throws
    std::vector<Tensor>& order;
    std::vector<std::pair<Tensor, size_t>>& stack;
    bool reuse;
    ~Release() {
      order.clear();
      stack.clear();
      if (reuse) reused_busy = false;
    }
  } release{order, stack, reuse};
  if (reuse) reused_busy = true;

  stack.push_back({*this, 0});
  impl()->visited_by_backward = pass;
  while (!stack.empty()) {
    auto& [t, next_input] = stack.back();
    const auto& node = t.grad_fn();
    if (node && next_input < node->inputs.size()) {
      const Tensor& input = node->inputs[next_input++];
      if (input.requires_grad() && input.impl()->visited_by_backward != pass) {
        input.impl()->visited_by_backward = pass;
        stack.push_back({input, 0});
      }
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
    if (!node) continue;  // a leaf: keep its accumulated gradient
    if (t.grad().defined()) node->backward(t.grad());
    // Free the graph as we go, as PyTorch does without retain_graph: an op output's gradient and
    // saved tensors are not needed once its node has run.
    t.impl()->grad = Tensor();
    t.impl()->grad_fn.reset();
  }
}

}  // namespace adamite
