#include "adamite/ops/conv2d.hpp"

#include <algorithm>

#include "../storage_pool.hpp"
#include "adamite/autograd.hpp"
#include "conv2d_blocks.hpp"
#include "gemm.hpp"
#include "window.hpp"

namespace adamite {
namespace {

// Output rows [first_row, first_row + rows) of one image, lowered to columns: cols is
// [c·kh·kw, rows·ow], so that part of the convolution is one matrix product.
struct RowBlock {
  int64_t first_row, rows;
};

// im2col for stride 1 when the output is as wide as the input ("same" padding, as in the paper's
// CNN): input rows then lie at the output's row stride, so the block of one (c, ki, kj) row of
// cols is a single shifted copy of consecutive input rows, after which the at most |kj − pw|
// columns per row that read across a row edge are zeroed. One long copy instead of one short
// copy per output row: im2col was ~20% of a CNN step.
void im2col_same_width(const detail::Window& g, const float* image, RowBlock block, float* cols) {
  const int64_t width = block.rows * g.ow, plane = g.h * g.w;
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      // The block's rows whose input row (first_row + r − ph + ki) lies inside the image.
      const int64_t top = block.first_row - g.ph + ki;
      const int64_t r_lo = std::clamp<int64_t>(-top, 0, block.rows);
      const int64_t r_hi = std::clamp<int64_t>(g.h - top, r_lo, block.rows);
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        float* row = cols + ((c * g.kh + ki) * g.kw + kj) * width;
        std::fill(row, row + r_lo * g.ow, 0.0f);
        std::fill(row + r_hi * g.ow, row + width, 0.0f);
        if (r_lo == r_hi) continue;
        const int64_t shift = kj - g.pw;
        const int64_t begin = (top + r_lo) * g.w + shift, count = (r_hi - r_lo) * g.ow;
        // Clamped to the channel's plane: only edge columns (zeroed below) fall outside it.
        const int64_t lo = std::max<int64_t>(begin, 0), hi = std::min(begin + count, plane);
        float* out = row + r_lo * g.ow;
        const float* channel = image + c * plane;
        std::fill(out, out + (lo - begin), 0.0f);
        std::copy(channel + lo, channel + hi, out + (lo - begin));
        std::fill(out + (hi - begin), out + count, 0.0f);
        for (int64_t r = 0; r < r_hi - r_lo; ++r) {
          float* line = out + r * g.ow;
          if (shift < 0) std::fill(line, line + std::min(-shift, g.ow), 0.0f);
          if (shift > 0) std::fill(line + std::max<int64_t>(g.ow - shift, 0), line + g.ow, 0.0f);
        }
      }
    }
}

void im2col(const detail::Window& g, const float* image, RowBlock block, float* cols) {
  if (g.sh == 1 && g.sw == 1 && g.ow == g.w) return im2col_same_width(g, image, block, cols);
  const int64_t width = block.rows * g.ow;
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        float* row = cols + ((c * g.kh + ki) * g.kw + kj) * width;
        // Named copies, not a structured binding: clang 14 cannot use bindings inside omp simd.
        const std::array<int64_t, 2> valid = g.valid_columns(kj);
        const int64_t first = valid[0], last = valid[1];
        for (int64_t r = 0; r < block.rows; ++r) {
          float* out = row + r * g.ow;
          const int64_t iy = (block.first_row + r) * g.sh - g.ph + ki;
          if (iy < 0 || iy >= g.h) {
            std::fill(out, out + g.ow, 0.0f);
            continue;
          }
          const float* in = image + (c * g.h + iy) * g.w - g.pw + kj;
          // Rows are short (8-32 values here): plain loops beat memmove/memset calls.
          for (int64_t ox = 0; ox < first; ++ox) out[ox] = 0.0f;
          if (g.sw == 1)  // the common case, contiguous: vectorised
#pragma omp simd
            for (int64_t ox = first; ox < last; ++ox) out[ox] = in[ox];
          else
            for (int64_t ox = first; ox < last; ++ox) out[ox] = in[ox * g.sw];
          for (int64_t ox = last; ox < g.ow; ++ox) out[ox] = 0.0f;
        }
      }
}

// The adjoint of im2col: adds each column entry back onto the pixel it was read from.
void col2im_add(const detail::Window& g, const float* cols, RowBlock block, float* image) {
  const int64_t width = block.rows * g.ow;
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const float* row = cols + ((c * g.kh + ki) * g.kw + kj) * width;
        const std::array<int64_t, 2> valid = g.valid_columns(kj);
        const int64_t first = valid[0], last = valid[1];
        for (int64_t r = 0; r < block.rows; ++r) {
          const int64_t iy = (block.first_row + r) * g.sh - g.ph + ki;
          if (iy < 0 || iy >= g.h) continue;
          float* out = image + (c * g.h + iy) * g.w - g.pw + kj;
          const float* in = row + r * g.ow;
          if (g.sw == 1)  // contiguous: vectorised
            for (int64_t ox = first; ox < last; ++ox) out[ox] += in[ox];
          else
            for (int64_t ox = first; ox < last; ++ox) out[ox * g.sw] += in[ox];
        }
      }
}

// Output rows per block: the block's columns (patch × rows·ow floats) are the per-thread scratch,
// at most 4 MiB, so large images (a 64-channel 224x224 image's columns are 320 MB) are lowered a
// slice at a time. Within that, larger is faster: the products get longer, and the columns stay
// in L3 (CNN step on one core, blocks of 512 KiB / 1 MiB / 4 MiB / 8 MiB: 268 / 278 / 287 / 285
// samples/s); the paper CNN's layers fit whole.
int64_t rows_per_block(const detail::Window& g, int64_t patch) {
  return std::clamp<int64_t>(detail::conv2d_block_floats() / std::max<int64_t>(1, patch * g.ow), 1,
                             g.oh);
}

template <class Body>
void for_each_block(const detail::Window& g, int64_t rows, Body body) {
  for (int64_t y = 0; y < g.oh; y += rows) body(RowBlock{y, std::min(rows, g.oh - y)});
}

// With stride 1, the input gradient is itself a convolution: of the output gradient, padded by
// k−1−p, with the kernel flipped and its in/out channels swapped. Lowering the output gradient
// with im2col (a gather that vectorises) beats scattering columns back with col2im_add.
bool input_gradient_as_convolution(const detail::Window& g) {
  return g.sh == 1 && g.sw == 1 && g.ph <= g.kh - 1 && g.pw <= g.kw - 1;
}

detail::Window input_gradient_window(const detail::Window& g, int64_t out_channels) {
  return detail::Window{
      g.n, out_channels, g.oh, g.ow, g.kh, g.kw, 1, 1, g.kh - 1 - g.ph, g.kw - 1 - g.pw, g.h, g.w};
}

// [c, o·kh·kw]: the flipped kernel of that convolution.
void flip_kernel(const float* weight, int64_t out_channels, const detail::Window& g,
                 float* flipped) {
  const int64_t taps = g.kh * g.kw;
  for (int64_t o = 0; o < out_channels; ++o)
    for (int64_t c = 0; c < g.c; ++c)
      for (int64_t t = 0; t < taps; ++t)
        flipped[(c * out_channels + o) * taps + (taps - 1 - t)] = weight[(o * g.c + c) * taps + t];
}

// Samples per chunk of the weight-gradient reduction: a constant, so the summation order (and
// hence the result) does not depend on the number of threads.
constexpr int64_t kSamplesPerChunk = 8;

}  // namespace

namespace detail {
int64_t& conv2d_block_floats() {
  static int64_t floats = 1024 * 1024;
  return floats;
}
}  // namespace detail

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              std::array<int64_t, 2> stride, std::array<int64_t, 2> padding) {
  if (weight.dim() != 4)
    throw std::invalid_argument("conv2d: weight must be [out, in, kh, kw], got " +
                                to_string(weight.shape()));
  const detail::Window g =
      detail::Window::make("conv2d", x, weight.size(2), weight.size(3), stride, padding);
  if (weight.size(1) != g.c)
    throw std::invalid_argument("conv2d: input has " + std::to_string(g.c) + " channels, weight " +
                                to_string(weight.shape()) + " expects " +
                                std::to_string(weight.size(1)) + " (input " + to_string(x.shape()) +
                                ")");
  const int64_t out_channels = weight.size(0), patch = g.c * g.kh * g.kw, positions = g.oh * g.ow;
  if (bias.defined() && bias.shape() != Shape{out_channels})
    throw std::invalid_argument("conv2d: bias must be [" + std::to_string(out_channels) +
                                "], got " + to_string(bias.shape()));
  const int64_t rows = rows_per_block(g, patch), image_size = g.c * g.h * g.w;

  Tensor y = Tensor::empty({g.n, out_channels, g.oh, g.ow});
#pragma omp parallel
  {
    const auto cols = detail::allocate_storage(patch * rows * g.ow);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < g.n; ++i) {
      float* out = y.data() + i * out_channels * positions;
      for_each_block(g, rows, [&](RowBlock block) {  // out[:, block] = W · cols
        im2col(g, x.data() + i * image_size, block, cols.get());
        const int64_t width = block.rows * g.ow;
        detail::gemm_sequential(false, false, out_channels, width, patch, 1.0f, weight.data(),
                                patch, cols.get(), width, 0.0f, out + block.first_row * g.ow,
                                positions);
      });
      if (bias.defined())
        for (int64_t o = 0; o < out_channels; ++o)
          std::for_each(out + o * positions, out + (o + 1) * positions,
                        [b = bias.data()[o]](float& v) { v += b; });
    }
  }

  record(
      "conv2d", y, {x, weight, bias},  // an undefined bias is left out
      [x, weight, bias, g, out_channels, patch, positions, rows, image_size](const Tensor& gy) {
        const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
        float* gx = need_x ? x.grad_or_zeros().data() : nullptr;
        const int64_t chunks = (g.n + kSamplesPerChunk - 1) / kSamplesPerChunk;
        const int64_t weight_size = out_channels * patch;
        // One partial weight gradient per chunk, summed afterwards in chunk order.
        const auto partial = detail::allocate_storage(need_w ? chunks * weight_size : 0);
        const bool dx_by_convolution = need_x && input_gradient_as_convolution(g);
        const detail::Window gt = input_gradient_window(g, out_channels);
        const int64_t gt_patch = out_channels * g.kh * g.kw;  // == patch / c · out_channels
        const int64_t gt_rows = rows_per_block(gt, gt_patch);
        const auto flipped = detail::allocate_storage(dx_by_convolution ? g.c * gt_patch : 0);
        if (dx_by_convolution) flip_kernel(weight.data(), out_channels, g, flipped.get());
#pragma omp parallel
        {
          const auto cols = detail::allocate_storage(
              std::max(patch * rows * g.ow, dx_by_convolution ? gt_patch * gt_rows * gt.ow : 0));
#pragma omp for schedule(static)
          for (int64_t chunk = 0; chunk < chunks; ++chunk) {
            float* dw = partial.get() + chunk * weight_size;
            if (need_w) std::fill(dw, dw + weight_size, 0.0f);
            for (int64_t i = chunk * kSamplesPerChunk;
                 i < std::min(g.n, (chunk + 1) * kSamplesPerChunk); ++i) {
              const float* gout = gy.data() + i * out_channels * positions;
              for_each_block(g, rows, [&](RowBlock block) {
                const int64_t width = block.rows * g.ow;
                const float* gout_block = gout + block.first_row * g.ow;
                if (need_w) {  // dW += gout[:, block] · colsᵀ
                  im2col(g, x.data() + i * image_size, block, cols.get());
                  detail::gemm_sequential(false, true, out_channels, patch, width, 1.0f, gout_block,
                                          positions, cols.get(), width, 1.0f, dw, patch);
                }
                if (need_x && !dx_by_convolution) {  // dcols = Wᵀ · gout[:, block] ...
                  detail::gemm_sequential(true, false, patch, width, out_channels, 1.0f,
                                          weight.data(), patch, gout_block, positions, 0.0f,
                                          cols.get(), width);
                  col2im_add(g, cols.get(), block, gx + i * image_size);  // ... scattered back
                }
              });
              if (dx_by_convolution)  // dx[:, block] += flipped · im2col(gout)
                for_each_block(gt, gt_rows, [&](RowBlock block) {
                  const int64_t width = block.rows * gt.ow;
                  im2col(gt, gout, block, cols.get());
                  detail::gemm_sequential(false, false, g.c, width, gt_patch, 1.0f, flipped.get(),
                                          gt_patch, cols.get(), width, 1.0f,
                                          gx + i * image_size + block.first_row * g.w, g.h * g.w);
                });
            }
          }
        }
        if (need_w) {
          float* dw = weight.grad_or_zeros().data();
          for (int64_t chunk = 0; chunk < chunks; ++chunk) {
            const float* part = partial.get() + chunk * weight_size;
#pragma omp simd
            for (int64_t j = 0; j < weight_size; ++j) dw[j] += part[j];
          }
        }
        if (bias.defined() && bias.requires_grad()) {
          float* gb = bias.grad_or_zeros().data();
          for (int64_t i = 0; i < g.n; ++i)
            for (int64_t o = 0; o < out_channels; ++o) {
              const float* row = gy.data() + (i * out_channels + o) * positions;
              float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
              for (int64_t j = 0; j < positions; ++j) sum += row[j];
              gb[o] += sum;
            }
        }
      });
  return y;
}

}  // namespace adamite
