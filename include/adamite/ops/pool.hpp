// Pooling over the spatial dimensions of NCHW tensors. Output size per dimension:
// (size + 2·padding − kernel)/stride + 1, rounded down (PyTorch's ceil_mode=false).
#pragma once

#include <array>

#include "adamite/tensor.hpp"

namespace adamite {

// Padding counts as −∞: it is never the maximum. The gradient goes to the (first) arg-max.
Tensor max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding = {0, 0});
// Padding counts as zeros and the divisor is always kh·kw (PyTorch's count_include_pad=true).
Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding = {0, 0});

// The mean of each cell of an output_size grid laid over each channel; cell i of a dimension of
// size n spans [⌊i·n/out⌋, ⌈(i+1)·n/out⌉), as PyTorch's adaptive pooling. Output [N, C, oh, ow].
Tensor adaptive_avg_pool2d(const Tensor& x, std::array<int64_t, 2> output_size);

}  // namespace adamite
