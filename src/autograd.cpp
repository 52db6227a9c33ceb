#include "adamite/autograd.hpp"

#include <stdexcept>
#include <unordered_set>

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

void record(const char* op_name, const Tensor& output, std::vector<Tensor> inputs,
            std::function<void(const Tensor& grad_output)> backward) {
  if (!g_grad_enabled) return;
  bool needed = false;
  for (const Tensor& t : inputs) needed = needed || t.requires_grad();
  if (!needed) return;
  output.set_grad_fn(std::make_shared<Node>(Node{op_name, std::move(inputs), std::move(backward)}));
}

// Depth-first post-order gives a topological order; walking it backwards visits every tensor
// after all the tensors that consumed it, so its gradient is complete when its node runs.
void Tensor::backward() const {
  if (numel() != 1)
    throw std::invalid_argument("backward: needs a scalar loss, got shape " + to_string(shape()));
  if (!requires_grad())
    throw std::logic_error("backward: the loss does not depend on any tensor that requires grad");

  std::vector<Tensor> order;
  std::unordered_set<const TensorImpl*> seen;
  std::vector<std::pair<Tensor, size_t>> stack{{*this, 0}};
  seen.insert(impl());
  while (!stack.empty()) {
    auto& [t, next_input] = stack.back();
    const auto& node = t.grad_fn();
    if (node && next_input < node->inputs.size()) {
      const Tensor& input = node->inputs[next_input++];
      if (input.requires_grad() && seen.insert(input.impl()).second) stack.push_back({input, 0});
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
