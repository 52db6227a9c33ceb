// Losses.
#pragma once

#include <cstdint>
#include <span>

#include "adamite/tensor.hpp"

namespace adamite {

// Mean over the batch of -log softmax(logits)[target]: log-softmax and the negative
// log-likelihood fused, stable for any logit size. logits [n,c], targets n class indices in [0,c).
Tensor cross_entropy(const Tensor& logits, std::span<const int32_t> targets);

}  // namespace adamite
