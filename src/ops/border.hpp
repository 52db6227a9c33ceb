// The zero-bordered copy of an image that the 3x3 kernels read, so that their inner loops need no
// bounds checks.
#pragma once

#include <algorithm>
#include <cstdint>

#include "window.hpp"

namespace adamite::detail {

// The image [c, h, w] inside a zero border of the window's padding p (a same-size window's):
// [c, h + 2p, w + 2p].
inline void add_border(const Window& window, const float* image, float* bordered) {
  const int64_t p = window.ph, row = window.w + 2 * p, plane = (window.h + 2 * p) * row;
  for (int64_t c = 0; c < window.c; ++c) {
    float* out = bordered + c * plane;
    std::fill(out, out + p * row, 0.0f);
    for (int64_t y = 0; y < window.h; ++y) {
      float* line = out + (y + p) * row;
      const float* in = image + (c * window.h + y) * window.w;
      std::fill(line, line + p, 0.0f);
      std::copy(in, in + window.w, line + p);
      std::fill(line + p + window.w, line + row, 0.0f);
    }
    std::fill(out + (window.h + p) * row, out + plane, 0.0f);
  }
}

inline int64_t bordered_size(const Window& window) {
  return window.c * (window.h + 2 * window.ph) * (window.w + 2 * window.pw);
}

}  // namespace adamite::detail
