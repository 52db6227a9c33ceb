#include "adamite/ops/pool.hpp"

#include <algorithm>
#include <cstring>

#include "adamite/autograd.hpp"
#include "adamite/detail/storage_pool.hpp"
#include "fresh_gradient.hpp"
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

// Vectors of L floats and of L int32 (the vector extension GCC and clang share, any x86 build)
// and the lane indices of the even floats.
template <int L>
struct Lanes;
template <>
struct Lanes<8> {
  using Floats = float __attribute__((vector_size(32)));
  using Ints = int32_t __attribute__((vector_size(32)));
  static constexpr Ints kEvens = {0, 2, 4, 6, 8, 10, 12, 14};
};
template <>
struct Lanes<4> {
  using Floats = float __attribute__((vector_size(16)));
  using Ints = int32_t __attribute__((vector_size(16)));
  static constexpr Ints kEvens = {0, 2, 4, 6};
};

// One output row of 3x3, stride 2, padding 1 max pooling (the paper CNN's), L outputs at a time
// with no branch: what the scan in max_pool2d_forward does, lane by lane. A window's columns
// 2x−1, 2x, 2x+1 are the odd pixels one lane up, the even pixels and the odd ones; the padding
// column left of x = 0 is replaced by a second copy of pixel 0 (v > v is false, so the copy never
// wins), so each lane makes the scan's comparisons in the scan's order.
template <int L>
void max_pool_3x3_stride_2_row(const float* in, int64_t w, int64_t y0, int64_t y1, int64_t ow,
                               float* out, int32_t* arg) {
  using Floats = typename Lanes<L>::Floats;
  using Ints = typename Lanes<L>::Ints;
  constexpr Ints kEvens = Lanes<L>::kEvens;
  for (int64_t x = 0; x < ow; x += L) {
    Floats best{};
    Ints best_at{};
    const auto take = [&](const Floats& value, const Ints& at) {
      const Ints wins = value > best;
      best = wins ? value : best;
      best_at = wins ? at : best_at;
    };
    for (int64_t iy = y0; iy < y1; ++iy) {
      const float* row = in + iy * w + 2 * x;
      Floats low, high;
      std::memcpy(&low, row, sizeof low);
      std::memcpy(&high, row + L, sizeof high);
      // The even and the odd floats of the two, and the odd ones one lane up (lane 0: the pixel
      // left of the row's first, or its copy).
      const Floats before = Floats{} + (x == 0 ? row[0] : row[-1]);
      Floats even, odd, left;
      if constexpr (L == 8) {
        even = __builtin_shufflevector(low, high, 0, 2, 4, 6, 8, 10, 12, 14);
        odd = __builtin_shufflevector(low, high, 1, 3, 5, 7, 9, 11, 13, 15);
        left = __builtin_shufflevector(odd, before, 8, 0, 1, 2, 3, 4, 5, 6);
      } else {
        even = __builtin_shufflevector(low, high, 0, 2, 4, 6);
        odd = __builtin_shufflevector(low, high, 1, 3, 5, 7);
        left = __builtin_shufflevector(odd, before, 4, 0, 1, 2);
      }
      const Ints even_at = kEvens + static_cast<int32_t>(iy * w + 2 * x);
      Ints left_at = even_at - 1;
      if (x == 0) left_at[0] = even_at[0];
      if (iy == y0) best = left, best_at = left_at;
      take(left, left_at);
      take(even, even_at);
      take(odd, even_at + 1);
    }
    std::memcpy(out + x, &best, sizeof best);
    std::memcpy(arg + x, &best_at, sizeof best_at);
  }
}

// The paper CNN's pooling (3x3, stride 2, padding 1) on even widths goes by rows of 8 or 4
// outputs; 0: by the general scan.
int max_pool_row_lanes(const detail::Window& window) {
  const bool by_rows = window.kh == 3 && window.kw == 3 && window.sh == 2 && window.sw == 2 &&
                       window.ph == 1 && window.pw == 1 && window.w % 2 == 0;
  return !by_rows ? 0 : window.ow % 8 == 0 ? 8 : window.ow % 4 == 0 ? 4 : 0;
}

// y = the maximum over each window clipped to the image (padding never wins); fills s.argmax.
Tensor max_pool2d_forward(const MaxPool2dSaved& s) {
  const detail::Window& window = s.window;
  Tensor y = Tensor::empty({window.n, window.c, window.oh, window.ow});
  const int64_t planes = window.n * window.c;
  const int lanes = max_pool_row_lanes(window);
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = s.x.data() + p * window.h * window.w;
    float* out = y.data() + p * window.oh * window.ow;
    int32_t* arg = s.argmax.get() + p * window.oh * window.ow;
    for (int64_t oy = 0; oy < window.oh; ++oy) {
      const int64_t y0 = std::max<int64_t>(0, oy * window.sh - window.ph),
                    y1 = std::min(window.h, oy * window.sh - window.ph + window.kh);
      if (lanes != 0) {
        (lanes == 8 ? max_pool_3x3_stride_2_row<8>
                    : max_pool_3x3_stride_2_row<4>)(in, window.w, y0, y1, window.ow,
                                                    out + oy * window.ow, arg + oy * window.ow);
        continue;
      }
      for (int64_t ox = 0; ox < window.ow; ++ox) {
        // The window clipped to the image, scanned row by row.
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
  }
  return y;
}

// The backward pass of max_pool_3x3_stride_2_row<8>, as a gather: input row iy's gradient, 8 even
// and 8 odd columns at a time. Input column 2j lies in output column j's window only, column 2j+1
// in those of j and j+1; row iy in the windows of output rows oy_lo..oy_hi (one or two). Each
// column adds the outputs whose argmax it is in the order the scatter (grad_x[argmax] += g, outputs
// row by row) adds them, starting from what `to` holds, so the bits are the scatter's; unlike the
// scatter it vectorizes, and writes each input gradient once, with no zeroing pass first
// (1.7x the scatter on the paper CNN's first pooling; on rows of 4 outputs it was slower).
template <bool Fresh>
void max_pool_3x3_stride_2_row_backward(const float* grad_y, const int32_t* arg, int64_t w,
                                        int64_t iy, int64_t oy_lo, int64_t oy_hi, int64_t ow,
                                        float* to) {
  using Floats = Lanes<8>::Floats;
  using Ints = Lanes<8>::Ints;
  for (int64_t x = 0; x < ow; x += 8) {
    Floats even{}, odd{};
    if constexpr (!Fresh) {
      Floats low, high;
      std::memcpy(&low, to + 2 * x, sizeof low);
      std::memcpy(&high, to + 2 * x + 8, sizeof high);
      even = __builtin_shufflevector(low, high, 0, 2, 4, 6, 8, 10, 12, 14);
      odd = __builtin_shufflevector(low, high, 1, 3, 5, 7, 9, 11, 13, 15);
    }
    const Ints even_at = Lanes<8>::kEvens + static_cast<int32_t>(iy * w + 2 * x);
    for (int64_t oy = oy_lo; oy <= oy_hi; ++oy) {
      Floats g;
      Ints at;
      std::memcpy(&g, grad_y + oy * ow + x, sizeof g);
      std::memcpy(&at, arg + oy * ow + x, sizeof at);
      // Output column j + 1's, one lane down; past the row's end, an argmax no column has.
      const bool inside = x + 8 < ow;
      const Floats g_after = Floats{} + (inside ? grad_y[oy * ow + x + 8] : 0.0f);
      const Ints at_after = Ints{} + (inside ? arg[oy * ow + x + 8] : -1);
      const Floats g_next = __builtin_shufflevector(g, g_after, 1, 2, 3, 4, 5, 6, 7, 8);
      const Ints at_next = __builtin_shufflevector(at, at_after, 1, 2, 3, 4, 5, 6, 7, 8);
      even = at == even_at ? even + g : even;
      odd = at == even_at + 1 ? odd + g : odd;
      odd = at_next == even_at + 1 ? odd + g_next : odd;
    }
    const Floats low = __builtin_shufflevector(even, odd, 0, 8, 1, 9, 2, 10, 3, 11);
    const Floats high = __builtin_shufflevector(even, odd, 4, 12, 5, 13, 6, 14, 7, 15);
    std::memcpy(to + 2 * x, &low, sizeof low);
    std::memcpy(to + 2 * x + 8, &high, sizeof high);
  }
}

// grad_x[argmax] += grad_y: each output's gradient goes to the input that was its maximum. A
// fresh gradient is zeroed plane by plane just before its plane's sums, while it is in cache,
// instead of in a pass of its own over the whole (4x larger than y) tensor. The paper CNN's
// pooling on rows of 8 outputs or more gathers instead (above).
void max_pool2d_backward(const MaxPool2dSaved& s, const Tensor& grad_y) {
  const detail::Window& window = s.window;
  const int64_t planes = window.n * window.c, plane = window.h * window.w,
                out_plane = window.oh * window.ow;
  const bool gather = max_pool_row_lanes(window) == 8;
  const float* gy = grad_y.data();
  const int32_t* argmax = s.argmax.get();
  detail::write_or_add_gradient(s.x, [=](float* grad_x, auto fresh) {
    constexpr bool kFresh = decltype(fresh)::value;
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      float* to = grad_x + p * plane;
      const float* g = gy + p * out_plane;
      const int32_t* arg = argmax + p * out_plane;
      if (gather) {
        for (int64_t iy = 0; iy < window.h; ++iy) {
          // Output rows whose window (rows 2·oy − 1 … 2·oy + 1) holds row iy.
          const int64_t oy_lo = iy / 2, oy_hi = std::min((iy + 1) / 2, window.oh - 1);
          max_pool_3x3_stride_2_row_backward<kFresh>(g, arg, window.w, iy, oy_lo, oy_hi, window.ow,
                                                     to + iy * window.w);
        }
        continue;
      }
      if constexpr (kFresh) std::fill(to, to + plane, 0.0f);
      for (int64_t o = 0; o < out_plane; ++o) to[arg[o]] += g[o];
    }
  });
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
  float* out = y.data();
  const float* in = s.x.data();
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    for_each_tap(window, p, [&](int64_t o, int64_t i) { out[o] += scale * in[i]; });
  return y;
}

// grad_x[i] += scale · grad_y[o] over the same taps.
void avg_pool2d_backward(const AvgPool2dSaved& s, const Tensor& grad_y) {
  const int64_t planes = s.window.n * s.window.c;
  const float scale = average_scale(s.window);
  float* grad_x = s.x.grad_or_zeros().data();
  const float* gy = grad_y.data();
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    for_each_tap(s.window, p, [&](int64_t o, int64_t i) { grad_x[i] += scale * gy[o]; });
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
