#include "adamite/ops/pool.hpp"

#include <algorithm>

#include "adamite/autograd.hpp"
#include "adamite/detail/storage_pool.hpp"
#include "window.hpp"

namespace adamite {
namespace {

// What max pooling's backward pass needs: for each output, the index within its plane of the
// input that was the maximum (where the gradient goes).
struct MaxPool2dSaved {
  Tensor x;
  detail::Window window;
  std::shared_ptr<int32_t[]> argmax;
};

// y = the maximum over each window clipped to the image (padding never wins); fills s.argmax.
Tensor max_pool2d_forward(const MaxPool2dSaved& s) {
  const detail::Window& window = s.window;
  Tensor y = Tensor::empty({window.n, window.c, window.oh, window.ow});
  const int64_t planes = window.n * window.c;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = s.x.data() + p * window.h * window.w;
    float* out = y.data() + p * window.oh * window.ow;
    int32_t* arg = s.argmax.get() + p * window.oh * window.ow;
    for (int64_t oy = 0; oy < window.oh; ++oy)
      for (int64_t ox = 0; ox < window.ow; ++ox) {
        // The window clipped to the image, scanned row by row.
        const int64_t y0 = std::max<int64_t>(0, oy * window.sh - window.ph),
                      y1 = std::min(window.h, oy * window.sh - window.ph + window.kh);
        const int64_t x0 = std::max<int64_t>(0, ox * window.sw - window.pw),
                      x1 = std::min(window.w, ox * window.sw - window.pw + window.kw);
        int64_t best_index = y0 * window.w + x0;
        float best = in[best_index];
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix)
            if (in[iy * window.w + ix] > best) {
              best = in[iy * window.w + ix];
              best_index = iy * window.w + ix;
            }
        out[oy * window.ow + ox] = best;
        arg[oy * window.ow + ox] = static_cast<int32_t>(best_index);
      }
  }
  return y;
}

// grad_x[argmax] += grad_y: each output's gradient goes to the input that was its maximum.
void max_pool2d_backward(const MaxPool2dSaved& s, const Tensor& grad_y) {
  const detail::Window& window = s.window;
  const int64_t planes = window.n * window.c;
  float* grad_x = s.x.grad_or_zeros().data();
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t o = 0; o < window.oh * window.ow; ++o)
      grad_x[p * window.h * window.w + s.argmax[p * window.oh * window.ow + o]] +=
          grad_y.data()[p * window.oh * window.ow + o];
}

// Calls f(output index, input index) for every input pixel inside each output's window of plane
// p: the pairs an average pools, forward and backward.
template <class F>
void for_each_tap(const detail::Window& window, int64_t p, F&& f) {
  for (int64_t oy = 0; oy < window.oh; ++oy)
    for (int64_t ox = 0; ox < window.ow; ++ox)
      for (int64_t ki = 0; ki < window.kh; ++ki) {
        const int64_t iy = oy * window.sh - window.ph + ki;
        if (iy < 0 || iy >= window.h) continue;
        for (int64_t kj = 0; kj < window.kw; ++kj) {
          const int64_t ix = ox * window.sw - window.pw + kj;
          if (ix >= 0 && ix < window.w)
            f(p * window.oh * window.ow + oy * window.ow + ox,
              p * window.h * window.w + iy * window.w + ix);
        }
      }
}

// The divisor is always kh·kw: padding counts as zeros.
float average_scale(const detail::Window& window) {
  return 1.0f / static_cast<float>(window.kh * window.kw);
}

struct AvgPool2dSaved {
  Tensor x;
  detail::Window window;
};

// y[o] = Σ scale · x[i] over the taps (o, i).
Tensor avg_pool2d_forward(const AvgPool2dSaved& s) {
  const detail::Window& window = s.window;
  Tensor y = Tensor::zeros({window.n, window.c, window.oh, window.ow});
  const int64_t planes = window.n * window.c;
  const float scale = average_scale(window);
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    for_each_tap(window, p, [&](int64_t o, int64_t i) { y.data()[o] += scale * s.x.data()[i]; });
  return y;
}

// grad_x[i] += scale · grad_y[o] over the same taps.
void avg_pool2d_backward(const AvgPool2dSaved& s, const Tensor& grad_y) {
  const int64_t planes = s.window.n * s.window.c;
  const float scale = average_scale(s.window);
  float* grad_x = s.x.grad_or_zeros().data();
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    for_each_tap(s.window, p, [&](int64_t o, int64_t i) { grad_x[i] += scale * grad_y.data()[o]; });
}

}  // namespace

Tensor max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding) {
  const detail::Window window =
      detail::Window::make("max_pool2d", x, kernel[0], kernel[1], stride, padding);
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1])
    throw std::invalid_argument("max_pool2d: padding must be at most half the kernel (input " +
                                to_string(x.shape()) + ")");
  const MaxPool2dSaved saved{
      x, window, detail::allocate_index_storage(window.n * window.c * window.oh * window.ow)};
  Tensor y = max_pool2d_forward(saved);
  record("max_pool2d", y, {x},
         [saved](const Tensor& grad_y) { max_pool2d_backward(saved, grad_y); });
  return y;
}

Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding) {
  const detail::Window window =
      detail::Window::make("avg_pool2d", x, kernel[0], kernel[1], stride, padding);
  const AvgPool2dSaved saved{x, window};
  Tensor y = avg_pool2d_forward(saved);
  record("avg_pool2d", y, {x},
         [saved](const Tensor& grad_y) { avg_pool2d_backward(saved, grad_y); });
  return y;
}

}  // namespace adamite
