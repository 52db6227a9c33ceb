// im2col against the definition, value by value, for float and bf16 columns: both paths (the
// shifted copy of same-width stride-1 windows, the general loop), blocks of rows at the top, middle
// and bottom, and nothing written past a block's columns.
#include <doctest/doctest.h>

#include <vector>

#include "src/ops/im2col.hpp"

using adamite::detail::bf16;
using adamite::detail::im2col;
using adamite::detail::RowBlock;
using adamite::detail::Window;

namespace {

// The value im2col must write at (row of cols, column) for the block: the input pixel the patch
// entry reads, or zero in the padding.
template <class T>
float expected(const Window& w, const std::vector<T>& image, RowBlock block, int64_t row,
               int64_t column) {
  const int64_t kj = row % w.kw, ki = (row / w.kw) % w.kh, c = row / (w.kw * w.kh);
  const int64_t oy = block.first_row + column / w.ow, ox = column % w.ow;
  const int64_t iy = oy * w.sh - w.ph + ki, ix = ox * w.sw - w.pw + kj;
  if (iy < 0 || iy >= w.h || ix < 0 || ix >= w.w) return 0.0f;
  return float(image[size_t((c * w.h + iy) * w.w + ix)]);
}

template <class T>
T value(int64_t i) {
  if constexpr (sizeof(T) == 2)
    return T{uint16_t(0x3f80 + i % 4000)};  // distinct bf16 values, none zero
  else
    return T(1 + i);
}

template <class T>
float as_float(T v) {
  if constexpr (sizeof(T) == 2)
    return float(v.bits);  // compared as bit patterns
  else
    return v;
}

template <class T>
void check_window(int64_t c, int64_t h, int64_t width, int64_t k, int64_t stride, int64_t pad) {
  const int64_t oh = (h + 2 * pad - k) / stride + 1, ow = (width + 2 * pad - k) / stride + 1;
  const Window w{1, c, h, width, k, k, stride, stride, pad, pad, oh, ow};
  std::vector<T> image(size_t(c * h * width));
  for (size_t i = 0; i < image.size(); ++i) image[i] = value<T>(int64_t(i));
  std::vector<float> reference_image(image.size());
  for (size_t i = 0; i < image.size(); ++i) reference_image[i] = as_float(image[i]);
  const int64_t patch = c * k * k;
  for (const int64_t rows : {w.oh, int64_t(1), int64_t(3)})
    for (int64_t first = 0; first < w.oh; first += rows) {
      const RowBlock block{first, std::min(rows, w.oh - first)};
      const int64_t columns = block.rows * w.ow;
      std::vector<T> cols(size_t(patch * columns + 64), value<T>(7));  // + a guard
      im2col(w, image.data(), block, cols.data());
      INFO("c ", c, " h ", h, " w ", width, " k ", k, " stride ", stride, " pad ", pad, " rows ",
           block.first_row, "+", block.rows);
      int64_t wrong = 0;
      for (int64_t r = 0; r < patch; ++r)
        for (int64_t j = 0; j < columns; ++j)
          wrong +=
              as_float(cols[size_t(r * columns + j)]) != expected(w, reference_image, block, r, j);
      CHECK(wrong == 0);
      for (size_t g = size_t(patch * columns); g < cols.size(); ++g)
        CHECK(as_float(cols[g]) == as_float(value<T>(7)));
    }
}

template <class T>
void check_all() {
  // Same-width stride 1 ("same" padding), at widths from 4 to 64.
  for (const int64_t width : {4, 8, 12, 16, 24, 32, 40, 48, 64})
    for (const int64_t k : {1, 3, 5, 7})
      if (k / 2 < width) check_window<T>(3, width / 2 + 3, width, k, 1, k / 2);
  // Other windows: no padding, stride 2.
  check_window<T>(2, 9, 16, 3, 1, 0);
  check_window<T>(2, 16, 16, 3, 2, 1);
  check_window<T>(3, 11, 13, 5, 2, 2);
}

}  // namespace

TEST_CASE("im2col writes each patch entry or zero, float and bf16, on both paths") {
  check_all<float>();
  check_all<bf16>();
}
