#include "adamite/ops/loss.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "../storage_pool.hpp"
#include "adamite/autograd.hpp"

namespace adamite {

Tensor cross_entropy(const Tensor& logits, std::span<const int32_t> targets) {
  if (logits.dim() != 2)
    throw std::invalid_argument("cross_entropy: logits must be [n, classes], got " +
                                to_string(logits.shape()));
  const int64_t n = logits.size(0), classes = logits.size(1);
  if (static_cast<int64_t>(targets.size()) != n)
    throw std::invalid_argument("cross_entropy: " + std::to_string(targets.size()) +
                                " targets for logits " + to_string(logits.shape()));
  if (n == 0) throw std::invalid_argument("cross_entropy: empty batch");

  // Softmax probabilities, kept for the backward pass: d/dlogits = (softmax - onehot) / n.
  Tensor probs = Tensor::empty(logits.shape());
  auto z = logits.matrix();
  auto p = probs.matrix();
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t target = targets[static_cast<size_t>(i)];
    if (target < 0 || target >= classes)
      throw std::invalid_argument("cross_entropy: target " + std::to_string(target) + " at row " +
                                  std::to_string(i) + " is outside [0, " + std::to_string(classes) +
                                  ")");
    const float row_max = z.row(i).maxCoeff();
    p.row(i) = (z.row(i).array() - row_max).exp();
    const float denom = p.row(i).sum();
    p.row(i) /= denom;
    total += static_cast<double>(row_max + std::log(denom) - z(i, target));  // -log softmax
  }
  Tensor loss = Tensor::scalar(static_cast<float>(total / static_cast<double>(n)));

  const auto saved_targets = detail::allocate_index_storage(n);  // pooled: no allocation per step
  std::copy(targets.begin(), targets.end(), saved_targets.get());
  record("cross_entropy", loss, {logits}, [logits, probs, saved_targets, n](const Tensor& g) {
    const float scale = g.item() / static_cast<float>(n);
    auto grad = logits.grad_or_zeros().matrix();
    grad += scale * probs.matrix();
    for (int64_t i = 0; i < n; ++i) grad(i, saved_targets[i]) -= scale;
  });
  return loss;
}

}  // namespace adamite
