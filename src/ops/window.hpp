// The geometry shared by convolution and pooling: a kernel sliding over an NCHW input.
#pragma once

#include <array>
#include <stdexcept>
#include <string>

#include "adamite/tensor.hpp"

namespace adamite::detail {

struct Window {
  int64_t n, c, h, w;  // input
  int64_t kh, kw, sh, sw, ph, pw;
  int64_t oh, ow;  // output spatial size

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
    Window g{x.size(0), x.size(1), x.size(2),  x.size(3),  kh, kw,
             stride[0], stride[1], padding[0], padding[1], 0,  0};
    if (g.h + 2 * g.ph < kh || g.w + 2 * g.pw < kw) fail("kernel larger than the padded input");
    g.oh = (g.h + 2 * g.ph - kh) / g.sh + 1;
    g.ow = (g.w + 2 * g.pw - kw) / g.sw + 1;
    return g;
  }
};

}  // namespace adamite::detail
