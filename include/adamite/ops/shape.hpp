// Shape changes. Tensors are contiguous, so reshape never copies data.
#pragma once

#include "adamite/tensor.hpp"

namespace adamite {

// One dimension may be -1: it is inferred from the others.
Tensor reshape(const Tensor& x, Shape shape);
// Merges dimensions start_dim..end into one: [N,C,H,W] -> [N,C*H*W] for start_dim 1.
Tensor flatten(const Tensor& x, int64_t start_dim = 1);
// The transpose of a 2-D tensor (copies).
Tensor transpose(const Tensor& x);

}  // namespace adamite
