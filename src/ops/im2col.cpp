#include "im2col.hpp"

#include <algorithm>
#include <array>

namespace adamite::detail {
namespace {

// im2col for stride 1 when the output is as wide as the input ("same" padding, as in the paper's
// CNN): input rows then lie at the output's row stride, so the block of one (c, ki, kj) row of
// cols is a single shifted copy of consecutive input rows, after which the at most |kj − pw|
// columns per row that read across a row edge are zeroed. One long copy instead of one short
// copy per output row: im2col was ~20% of a CNN step.
template <class T>
void im2col_same_width(const Window& window, const T* image, RowBlock block, T* cols) {
  const int64_t width = block.rows * window.ow, plane = window.h * window.w;
  for (int64_t c = 0; c < window.c; ++c)
    for (int64_t ki = 0; ki < window.kh; ++ki) {
      // The block's rows whose input row (first_row + r − ph + ki) lies inside the image.
      const int64_t top = block.first_row - window.ph + ki;
      const int64_t r_lo = std::clamp<int64_t>(-top, 0, block.rows);
      const int64_t r_hi = std::clamp<int64_t>(window.h - top, r_lo, block.rows);
      for (int64_t kj = 0; kj < window.kw; ++kj) {
        T* row = cols + ((c * window.kh + ki) * window.kw + kj) * width;
        std::fill(row, row + r_lo * window.ow, T{});
        std::fill(row + r_hi * window.ow, row + width, T{});
        if (r_lo == r_hi) continue;
        const int64_t shift = kj - window.pw;
        const int64_t begin = (top + r_lo) * window.w + shift, count = (r_hi - r_lo) * window.ow;
        // Clamped to the channel's plane: only edge columns (zeroed below) fall outside it. And to
        // [begin, begin + count]: where the kernel is wider than the image (a 5x5 kernel on 1x1),
        // the whole range can lie before or after the plane.
        const int64_t lo = std::min(std::max<int64_t>(begin, 0), begin + count);
        const int64_t hi = std::max(std::min(begin + count, plane), lo);
        T* out = row + r_lo * window.ow;
        const T* channel = image + c * plane;
        std::fill(out, out + (lo - begin), T{});
        std::copy(channel + lo, channel + hi, out + (lo - begin));
        std::fill(out + (hi - begin), out + count, T{});
        // The same |shift| columns of every row read across an edge: zeroed a column at a time,
        // since a memset call per row of one or two values cost more than the copy above.
        const int64_t edge_lo = shift < 0 ? 0 : std::max<int64_t>(window.ow - shift, 0);
        const int64_t edge_hi = shift < 0 ? std::min(-shift, window.ow) : shift > 0 ? window.ow : 0;
        for (int64_t x = edge_lo; x < edge_hi; ++x)
          for (int64_t r = 0; r < r_hi - r_lo; ++r) out[r * window.ow + x] = T{};
      }
    }
}

}  // namespace

template <class T>
void im2col(const Window& window, const T* image, RowBlock block, T* cols) {
  if (window.sh == 1 && window.sw == 1 && window.ow == window.w)
    return im2col_same_width(window, image, block, cols);
  const int64_t width = block.rows * window.ow;
  for (int64_t c = 0; c < window.c; ++c)
    for (int64_t ki = 0; ki < window.kh; ++ki)
      for (int64_t kj = 0; kj < window.kw; ++kj) {
        T* row = cols + ((c * window.kh + ki) * window.kw + kj) * width;
        // Named copies, not a structured binding: clang 14 cannot use bindings inside omp simd.
        const std::array<int64_t, 2> valid = window.valid_columns(kj);
        const int64_t first = valid[0], last = valid[1];
        for (int64_t r = 0; r < block.rows; ++r) {
          T* out = row + r * window.ow;
          const int64_t iy = (block.first_row + r) * window.sh - window.ph + ki;
          if (iy < 0 || iy >= window.h) {
            std::fill(out, out + window.ow, T{});
            continue;
          }
          const T* in = image + (c * window.h + iy) * window.w - window.pw + kj;
          // Rows are short (8-32 values here): plain loops beat memmove/memset calls.
          for (int64_t ox = 0; ox < first; ++ox) out[ox] = T{};
          if (window.sw == 1)  // the common case, contiguous: vectorised
#pragma omp simd
            for (int64_t ox = first; ox < last; ++ox) out[ox] = in[ox];
          else
            for (int64_t ox = first; ox < last; ++ox) out[ox] = in[ox * window.sw];
          for (int64_t ox = last; ox < window.ow; ++ox) out[ox] = T{};
        }
      }
}

template void im2col(const Window&, const float*, RowBlock, float*);
template void im2col(const Window&, const bf16*, RowBlock, bf16*);

void col2im_add(const Window& window, const float* cols, RowBlock block, float* image) {
  const int64_t width = block.rows * window.ow;
  for (int64_t c = 0; c < window.c; ++c)
    for (int64_t ki = 0; ki < window.kh; ++ki)
      for (int64_t kj = 0; kj < window.kw; ++kj) {
        const float* row = cols + ((c * window.kh + ki) * window.kw + kj) * width;
        const std::array<int64_t, 2> valid = window.valid_columns(kj);
        const int64_t first = valid[0], last = valid[1];
        for (int64_t r = 0; r < block.rows; ++r) {
          const int64_t iy = (block.first_row + r) * window.sh - window.ph + ki;
          if (iy < 0 || iy >= window.h) continue;
          float* out = image + (c * window.h + iy) * window.w - window.pw + kj;
          const float* in = row + r * window.ow;
          if (window.sw == 1)  // contiguous: vectorised
            for (int64_t ox = first; ox < last; ++ox) out[ox] += in[ox];
          else
            for (int64_t ox = first; ox < last; ++ox) out[ox * window.sw] += in[ox];
        }
      }
}

}  // namespace adamite::detail
