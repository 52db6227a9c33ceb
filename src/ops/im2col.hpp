// Lowering a convolution to a matrix product: im2col copies, for a block of output rows, the
// input pixels each output position reads into one column each, so that the convolution of that
// block is W · cols; col2im_add is its adjoint. Internal to conv2d.
#pragma once

#include <cstdint>

#include "bf16.hpp"
#include "window.hpp"

namespace adamite::detail {

// Output rows [first_row, first_row + rows) of one image, lowered to columns: cols is
// [c·kh·kw, rows·ow].
struct RowBlock {
  int64_t first_row, rows;
};

// cols = the block's patches of `image` ([c, h, w]); padding reads as zeros. For float and bf16
// (the mixed-precision products lower a bf16 copy of the image).
template <class T>
void im2col(const Window& window, const T* image, RowBlock block, T* cols);
// Adds each entry of cols back onto the pixel of `image` it was read from.
void col2im_add(const Window& window, const float* cols, RowBlock block, float* image);

}  // namespace adamite::detail
