// The zero-bordered copy of an image that the 3x3 kernels read, so that their inner loops need no
// bounds checks.
#pragma once

#include <algorithm>
#include <cstdint>

#include "window.hpp"

namespace adamite::detail {

// The image [c, h, w] inside a zero border of one pixel: [c, h + 2, w + 2].
inline void add_border(const Window& window, const float* image, float* bordered) {
  const int64_t row = window.w + 2, plane = (window.h + 2) * row;
  for (int64_t c = 0; c < window.c; ++c) {
    float* out = bordered + c * plane;
    std::fill(out, out + row, 0.0f);
    for (int64_t y = 0; y < window.h; ++y) {
      float* line = out + (y + 1) * row;
      const float* in = image + (c * window.h + y) * window.w;
      line[0] = 0.0f;
      std::copy(in, in + window.w, line + 1);
      line[window.w + 1] = 0.0f;
    }
    std::fill(out + (window.h + 1) * row, out + plane, 0.0f);
  }
}

inline int64_t bordered_size(const Window& window) {
  return window.c * (window.h + 2) * (window.w + 2);
}

}  // namespace adamite::detail
