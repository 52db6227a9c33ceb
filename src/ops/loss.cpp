#include "adamite/ops/loss.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"
#include "adamite/detail/storage_pool.hpp"
#include "adamite/ops/activation.hpp"
#include "adamite/ops/elementwise.hpp"
#include "adamite/ops/reduce.hpp"

namespace adamite {
namespace {

// The softmax probabilities and the targets: d loss/d logits = (softmax − onehot(target)) / n.
struct CrossEntropySaved {
  Tensor logits, probs;
  std::shared_ptr<int32_t[]> targets;  // pooled: no allocation per step
  int64_t n;
  float smoothing;  // ε: the target distribution is (1 − ε)·onehot + ε/c
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
    // −Σ_c q_c log softmax_c, with Σ_c q_c = 1: log Σ e^z − Σ_c q_c z_c.
    const float target_logit = s.smoothing == 0.0f
                                   ? z(i, target)
                                   : (1.0f - s.smoothing) * z(i, target) +
                                         s.smoothing / static_cast<float>(classes) * z.row(i).sum();
    total += static_cast<double>(row_max + std::log(denom) - target_logit);
  }
  return static_cast<float>(total / static_cast<double>(s.n));
}

void cross_entropy_backward(const CrossEntropySaved& s, const Tensor& grad_loss) {
  const float scale = grad_loss.item() / static_cast<float>(s.n);
  auto grad_logits = s.logits.grad_or_zeros().matrix();
  // d loss/d z = scale · (p − q), q = (1 − ε)·onehot + ε/c
  grad_logits += scale * s.probs.matrix();
  if (s.smoothing != 0.0f)
    grad_logits.array() -= scale * s.smoothing / static_cast<float>(s.probs.size(1));
  const float target_share = s.smoothing == 0.0f ? scale : scale * (1.0f - s.smoothing);
  for (int64_t i = 0; i < s.n; ++i) grad_logits(i, s.targets[i]) -= target_share;
}

void check_targets(const char* op, const Tensor& scores, std::span<const int32_t> targets) {
  if (scores.dim() != 2)
    throw std::invalid_argument(std::string(op) + ": input must be [n, classes], got " +
                                to_string(scores.shape()));
  if (static_cast<int64_t>(targets.size()) != scores.size(0))
    throw std::invalid_argument(std::string(op) + ": " + std::to_string(targets.size()) +
                                " targets for input " + to_string(scores.shape()));
  if (scores.size(0) == 0) throw std::invalid_argument(std::string(op) + ": empty batch");
  for (size_t i = 0; i < targets.size(); ++i)
    if (targets[i] < 0 || targets[i] >= scores.size(1))
      throw std::invalid_argument(std::string(op) + ": target " + std::to_string(targets[i]) +
                                  " at row " + std::to_string(i) + " is outside [0, " +
                                  std::to_string(scores.size(1)) + ")");
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, std::span<const int32_t> targets,
                     float label_smoothing) {
  if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f))
    throw std::invalid_argument("cross_entropy: label_smoothing " +
                                std::to_string(label_smoothing) + " is outside [0, 1]");
  if (logits.dim() != 2)
    throw std::invalid_argument("cross_entropy: logits must be [n, classes], got " +
                                to_string(logits.shape()));
  const int64_t n = logits.size(0);
  if (static_cast<int64_t>(targets.size()) != n)
    throw std::invalid_argument("cross_entropy: " + std::to_string(targets.size()) +
                                " targets for logits " + to_string(logits.shape()));
  if (n == 0) throw std::invalid_argument("cross_entropy: empty batch");
  const CrossEntropySaved saved{logits, Tensor::empty(logits.shape()),
                                detail::allocate_index_storage(n), n, label_smoothing};
  std::copy(targets.begin(), targets.end(), saved.targets.get());
  Tensor loss = Tensor::scalar(cross_entropy_forward(saved));
  record("cross_entropy", loss, {logits},
         [saved](const Tensor& grad_loss) { cross_entropy_backward(saved, grad_loss); });
  return loss;
}

Tensor nll_loss(const Tensor& log_probs, std::span<const int32_t> targets) {
  check_targets("nll_loss", log_probs, targets);
  const int64_t n = log_probs.size(0);
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total -= log_probs.matrix()(i, targets[static_cast<size_t>(i)]);
  Tensor loss = Tensor::scalar(static_cast<float>(total / static_cast<double>(n)));
  const std::shared_ptr<int32_t[]> saved = detail::allocate_index_storage(n);
  std::copy(targets.begin(), targets.end(), saved.get());
  record("nll_loss", loss, {log_probs}, [log_probs, saved, n](const Tensor& grad_loss) {
    const float scale = grad_loss.item() / static_cast<float>(n);
    auto grad = log_probs.grad_or_zeros().matrix();
    for (int64_t i = 0; i < n; ++i) grad(i, saved[i]) -= scale;
  });
  return loss;
}

Tensor mse_loss(const Tensor& prediction, const Tensor& target) {
  if (prediction.shape() != target.shape())
    throw std::invalid_argument("mse_loss: prediction " + to_string(prediction.shape()) +
                                " and target " + to_string(target.shape()) + " differ in shape");
  return mean(square(sub(prediction, target)));
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets) {
  if (logits.shape() != targets.shape())
    throw std::invalid_argument("binary_cross_entropy_with_logits: logits " +
                                to_string(logits.shape()) + " and targets " +
                                to_string(targets.shape()) + " differ in shape");
  return mean(sub(softplus(logits), mul(logits, targets)));
}

}  // namespace adamite
