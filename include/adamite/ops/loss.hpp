// Losses.
#pragma once

#include <cstdint>
#include <span>

#include "adamite/tensor.hpp"

namespace adamite {

// Losses are means over the batch, as PyTorch's reduction='mean'.

// −log softmax(logits)[target]: log-softmax and the negative log-likelihood fused, stable for any
// logit size. logits [n,c], targets n class indices in [0,c). With label smoothing ε the target
// distribution is (1 − ε)·onehot + ε/c, as PyTorch's label_smoothing.
Tensor cross_entropy(const Tensor& logits, std::span<const int32_t> targets,
                     float label_smoothing = 0.0f);
// −log_probs[target]: for a model that ends in log_softmax. log_probs [n,c].
Tensor nll_loss(const Tensor& log_probs, std::span<const int32_t> targets);
// (prediction − target)², averaged over every element.
Tensor mse_loss(const Tensor& prediction, const Tensor& target);
// −[t log σ(z) + (1 − t) log(1 − σ(z))] averaged over every element, computed as
// softplus(z) − z·t, which is finite for any logit.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets);

}  // namespace adamite
