// Batch normalisation (Ioffe & Szegedy 2015) over every dimension but the channels, dimension 1
// of [N, C] or [N, C, ...] input, as PyTorch's F.batch_norm:
//   y = γ (x − μ) / √(σ² + ε) + β, per channel.
// Training: μ and σ² are the batch's (σ² biased), and running_mean/running_var, when defined, move
// toward them in place: r ← (1 − momentum)·r + momentum·stat, with the unbiased variance, as
// PyTorch does. Evaluation: μ and σ² are the running statistics. weight (γ) and bias (β) may be
// undefined (no affine transform).
#pragma once

#include "adamite/tensor.hpp"

namespace adamite {

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, float momentum,
                  float eps);

// relu(batch_norm(…)), the same values and gradients, in batch_norm's passes over memory (the
// ReLU's mask recomputed from x in the backward pass): a pass fewer each way.
Tensor batch_norm_relu(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, float momentum,
                       float eps);

}  // namespace adamite
