// The geometry shared by convolution and pooling: a kernel sliding over an NCHW input.
#pragma once

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "adamite/tensor.hpp"

namespace adamite::detail {

struct Window {
  int64_t n, c, h, w;  // input
  int64_t kh, kw, sh, sw, ph, pw;
  int64_t oh, ow;  // output spatial size

  // k x k (k odd) with stride 1 and padding k/2: the output is the input's size (ResNet's 3x3
  // convolutions, the paper CNN's 5x5).
  bool same_size(int64_t k) const {
    return kh == k && kw == k && sh == 1 && sw == 1 && ph == k / 2 && pw == k / 2;
  }

  // The output columns ox whose input column ox·sw − pw + k lies inside [0, w): [first, last).
  // Computing the range once per row keeps the inner loops free of bounds checks.
  std::array<int64_t, 2> valid_columns(int64_t k) const { return valid(k, pw, sw, w, ow); }
  std::array<int64_t, 2> valid_rows(int64_t k) const { return valid(k, ph, sh, h, oh); }

  static std::array<int64_t, 2> valid(int64_t k, int64_t pad, int64_t stride, int64_t size,
                                      int64_t out) {
    // o·stride − pad + k ≥ 0  ⇔  o ≥ ⌈(pad − k)/stride⌉;  o·stride − pad + k ≤ size − 1.
    const int64_t low = pad - k <= 0 ? 0 : (pad - k + stride - 1) / stride;
    const int64_t top = size - 1 + pad - k;
    const int64_t high = top < 0 ? 0 : std::min(out, top / stride + 1);
    return {std::min(low, high), high};
  }

  // Validates and computes the output size; errors name the op and the shapes involved.
  static Window make(const char* op, const Tensor& x, int64_t kh, int64_t kw,
                     std::array<int64_t, 2> stride, std::array<int64_t, 2> padding) {
    auto fail = [&](const std::string& why) {
      throw std::invalid_argument(std::string(op) + ": " + why + " (input " + to_string(x.shape()) +
                                  ", kernel " + std::to_string(kh) + "x" + std::to_string(kw) +
                                  ")");
    };
    if (x.dim() != 4) fail("input must be [n, c, h, w]");
    if (kh <= 0 || kw <= 0) fail("kernel sizes must be positive");
    if (stride[0] <= 0 || stride[1] <= 0) fail("strides must be positive");
    if (padding[0] < 0 || padding[1] < 0) fail("padding must be >= 0");
    Window window{x.size(0), x.size(1), x.size(2),  x.size(3),  kh, kw,
                  stride[0], stride[1], padding[0], padding[1], 0,  0};
    if (window.h + 2 * window.ph < kh || window.w + 2 * window.pw < kw)
      fail("kernel larger than the padded input");
    window.oh = (window.h + 2 * window.ph - kh) / window.sh + 1;
    window.ow = (window.w + 2 * window.pw - kw) / window.sw + 1;
    return window;
  }
};

}  // namespace adamite::detail
