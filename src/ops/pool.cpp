#include "adamite/ops/pool.hpp"

#include <algorithm>
#include <vector>

#include "../storage_pool.hpp"
#include "adamite/autograd.hpp"
#include "window.hpp"

namespace adamite {

Tensor max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding) {
  const detail::Window g =
      detail::Window::make("max_pool2d", x, kernel[0], kernel[1], stride, padding);
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1])
    throw std::invalid_argument("max_pool2d: padding must be at most half the kernel (input " +
                                to_string(x.shape()) + ")");
  Tensor y = Tensor::empty({g.n, g.c, g.oh, g.ow});
  // For each output, the input index of its maximum within the plane: the backward pass routes
  // the gradient there.
  const auto argmax = detail::allocate_index_storage(y.numel());
  const int64_t planes = g.n * g.c;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = x.data() + p * g.h * g.w;
    float* out = y.data() + p * g.oh * g.ow;
    int32_t* arg = argmax.get() + p * g.oh * g.ow;
    for (int64_t oy = 0; oy < g.oh; ++oy)
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        // The window clipped to the image (padding never wins), scanned row by row.
        const int64_t y0 = std::max<int64_t>(0, oy * g.sh - g.ph),
                      y1 = std::min(g.h, oy * g.sh - g.ph + g.kh);
        const int64_t x0 = std::max<int64_t>(0, ox * g.sw - g.pw),
                      x1 = std::min(g.w, ox * g.sw - g.pw + g.kw);
        int64_t best_index = y0 * g.w + x0;
        float best = in[best_index];
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix)
            if (in[iy * g.w + ix] > best) {
              best = in[iy * g.w + ix];
              best_index = iy * g.w + ix;
            }
        out[oy * g.ow + ox] = best;
        arg[oy * g.ow + ox] = static_cast<int32_t>(best_index);
      }
  }
  record("max_pool2d", y, {x}, [x, argmax, g, planes](const Tensor& gy) {
    float* gx = x.grad_or_zeros().data();
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t o = 0; o < g.oh * g.ow; ++o)
        gx[p * g.h * g.w + argmax[p * g.oh * g.ow + o]] += gy.data()[p * g.oh * g.ow + o];
  });
  return y;
}

Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding) {
  const detail::Window g =
      detail::Window::make("avg_pool2d", x, kernel[0], kernel[1], stride, padding);
  Tensor y = Tensor::empty({g.n, g.c, g.oh, g.ow});
  const int64_t planes = g.n * g.c;
  const float scale = 1.0f / static_cast<float>(g.kh * g.kw);
  // Calls f(output index, input index) for every input pixel inside each output's window.
  auto for_each_tap = [g](int64_t p, auto&& f) {
    for (int64_t oy = 0; oy < g.oh; ++oy)
      for (int64_t ox = 0; ox < g.ow; ++ox)
        for (int64_t ki = 0; ki < g.kh; ++ki) {
          const int64_t iy = oy * g.sh - g.ph + ki;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kj = 0; kj < g.kw; ++kj) {
            const int64_t ix = ox * g.sw - g.pw + kj;
            if (ix >= 0 && ix < g.w)
              f(p * g.oh * g.ow + oy * g.ow + ox, p * g.h * g.w + iy * g.w + ix);
          }
        }
  };
  y.fill_(0.0f);
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    for_each_tap(p, [&](int64_t o, int64_t i) { y.data()[o] += scale * x.data()[i]; });
  record("avg_pool2d", y, {x}, [x, g, planes, scale, for_each_tap](const Tensor& gy) {
    float* gx = x.grad_or_zeros().data();
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; ++p)
      for_each_tap(p, [&](int64_t o, int64_t i) { gx[i] += scale * gy.data()[o]; });
  });
  return y;
}

}  // namespace adamite
