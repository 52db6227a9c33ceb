// Shape changes. Tensors are contiguous, so reshape never copies data.
#pragma once

#include <vector>

#include "adamite/tensor.hpp"

namespace adamite {

// One dimension may be -1: it is inferred from the others.
Tensor reshape(const Tensor& x, Shape shape);
// Merges dimensions start_dim..end into one: [N,C,H,W] -> [N,C*H*W] for start_dim 1.
Tensor flatten(const Tensor& x, int64_t start_dim = 1);
// The transpose of a 2-D tensor (copies).
Tensor transpose(const Tensor& x);
// Dimension k of the result is dimension dims[k] of x (copies): permute(x, {0, 2, 3, 1}) turns
// NCHW into NHWC.
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);

// The tensors joined along `dim`; all other dimensions must agree.
Tensor concat(const std::vector<Tensor>& tensors, int64_t dim);
// Positions [start, start + length) of dimension `dim` (copies), as torch.narrow.
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);

}  // namespace adamite
