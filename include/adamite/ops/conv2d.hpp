// 2-D convolution (cross-correlation, as in PyTorch) over NCHW tensors.
#pragma once

#include <array>

#include "adamite/tensor.hpp"

namespace adamite {

// x [n, c, h, w], weight [out, c, kh, kw] (PyTorch's layout), bias [out] or undefined.
// Output [n, out, (h + 2·pad_h − kh)/stride_h + 1, (w + 2·pad_w − kw)/stride_w + 1]; zero padding.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              std::array<int64_t, 2> stride = {1, 1}, std::array<int64_t, 2> padding = {0, 0});

}  // namespace adamite
