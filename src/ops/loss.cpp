#include "adamite/ops/loss.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"
#include "adamite/detail/storage_pool.hpp"

namespace adamite {
namespace {

// The softmax probabilities and the targets: d loss/d logits = (softmax − onehot(target)) / n.
struct CrossEntropySaved {
  Tensor logits, probs;
  std::shared_ptr<int32_t[]> targets;  // pooled: no allocation per step
  int64_t n;
};

// Returns the mean of −log softmax(logits)[target] and fills s.probs; subtracting each row's
// maximum before exp keeps it finite for any logit size.
float cross_entropy_forward(const CrossEntropySaved& s) {
  const int64_t classes = s.logits.size(1);
  auto z = s.logits.matrix();
  auto p = s.probs.matrix();
  double total = 0.0;
  for (int64_t i = 0; i < s.n; ++i) {
    const int32_t target = s.targets[i];
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
  return static_cast<float>(total / static_cast<double>(s.n));
}

void cross_entropy_backward(const CrossEntropySaved& s, const Tensor& grad_loss) {
  const float scale = grad_loss.item() / static_cast<float>(s.n);
  auto grad_logits = s.logits.grad_or_zeros().matrix();
  grad_logits += scale * s.probs.matrix();
  for (int64_t i = 0; i < s.n; ++i) grad_logits(i, s.targets[i]) -= scale;
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, std::span<const int32_t> targets) {
  if (logits.dim() != 2)
    throw std::invalid_argument("cross_entropy: logits must be [n, classes], got " +
                                to_string(logits.shape()));
  const int64_t n = logits.size(0);
  if (static_cast<int64_t>(targets.size()) != n)
    throw std::invalid_argument("cross_entropy: " + std::to_string(targets.size()) +
                                " targets for logits " + to_string(logits.shape()));
  if (n == 0) throw std::invalid_argument("cross_entropy: empty batch");
  const CrossEntropySaved saved{logits, Tensor::empty(logits.shape()),
                                detail::allocate_index_storage(n), n};
  std::copy(targets.begin(), targets.end(), saved.targets.get());
  Tensor loss = Tensor::scalar(cross_entropy_forward(saved));
  record("cross_entropy", loss, {logits},
         [saved](const Tensor& grad_loss) { cross_entropy_backward(saved, grad_loss); });
  return loss;
}

}  // namespace adamite
