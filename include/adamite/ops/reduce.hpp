// Reductions: to a scalar, or along one dimension (negative counts from the end; keepdim leaves
// it as size 1, as PyTorch's keepdim does).
#pragma once

#include <cstdint>
#include <vector>

#include "adamite/tensor.hpp"

namespace adamite {

Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);
// Σ x², the L2 penalty's building block.
Tensor sum_of_squares(const Tensor& x);

Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);
// The largest value; its gradient goes to the first position holding it (NaN counts as largest).
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
// Where max() found each value: x's shape without `dim`, in row-major order. Not differentiable.
std::vector<int64_t> argmax(const Tensor& x, int64_t dim);

}  // namespace adamite
