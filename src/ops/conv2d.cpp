#include "adamite/ops/conv2d.hpp"

#include <algorithm>

#include "adamite/autograd.hpp"
#include "adamite/detail/storage_pool.hpp"
#include "adamite/precision.hpp"
#include "conv2d_blocks.hpp"
#include "fresh_gradient.hpp"
#include "gemm.hpp"
#include "im2col.hpp"
#include "same_size_conv.hpp"
#include "window.hpp"

namespace adamite {
namespace {

using detail::RowBlock;

// Output rows per block: the block's columns (patch × rows·ow floats) are the per-thread scratch,
// at most 4 MiB, so large images (a 64-channel 224x224 image's columns are 320 MB) are lowered a
// slice at a time. Within that, larger is faster: the products get longer, and the columns stay
// in L3 (CNN step on one core, blocks of 512 KiB / 1 MiB / 4 MiB / 8 MiB: 268 / 278 / 287 / 285
// samples/s); the paper CNN's layers fit whole.
int64_t rows_per_block(const detail::Window& window, int64_t patch) {
  return std::clamp<int64_t>(
      detail::conv2d_block_floats() / std::max<int64_t>(1, patch * window.ow), 1, window.oh);
}

template <class Body>
void for_each_block(const detail::Window& window, int64_t rows, Body body) {
  for (int64_t y = 0; y < window.oh; y += rows) body(RowBlock{y, std::min(rows, window.oh - y)});
}

// What the backward pass needs: the inputs, the geometry, and the lowering's sizes.
struct Conv2dSaved {
  Tensor x, weight, bias;  // bias may be undefined
  detail::Window window;
  int64_t out_channels;
  int64_t patch;      // c·kh·kw: the length of one lowered column
  int64_t rows;       // output rows per lowering block
  bool bf16 = false;  // products in bf16 (adamite/precision.hpp), on these copies:
  std::shared_ptr<detail::bf16[]> x16{}, weight16{};
  // The same-size kernels are fp32 only; bf16 products lower to columns.
  bool direct() const { return !bf16 && detail::same_size_conv_applies(window); }
  // Their weight gradient (some 5x5 layers lower it to columns).
  bool direct_weight() const {
    return !bf16 && detail::same_size_conv_weight_gradient_applies(window, out_channels);
  }
};

// A lowering block's product, out[:, block] (+)= weight · cols, from float or bf16 columns.
template <class T>
void lowered_product(const Conv2dSaved& s, const T* weight, const T* cols, int64_t width,
                     float beta, float* out, int64_t ld_out) {
  detail::gemm_sequential(false, false, s.out_channels, width, s.patch, 1.0f, weight, s.patch, cols,
                          width, beta, out, ld_out);
}

// y[i] = W · im2col(x[i]) + b, image by image, a block of output rows at a time.
Tensor conv2d_forward(Conv2dSaved& s) {
  const detail::Window& window = s.window;
  const int64_t positions = window.oh * window.ow, image_size = window.c * window.h * window.w;
  Tensor y = Tensor::empty({window.n, s.out_channels, window.oh, window.ow});
  const bool direct = s.direct();
  const auto packed = detail::allocate_storage(
      direct ? detail::same_size_conv_packed_size(window, s.out_channels) : 0);
  if (direct)
    detail::pack_same_size_conv_weight(window, s.weight.data(), s.out_channels, packed.get());
  if (s.bf16) {
    s.x16 = detail::bf16_copy(s.x.data(), s.x.numel());
    s.weight16 = detail::bf16_copy(s.weight.data(), s.weight.numel());
  }
  // The columns of one block: floats, or bf16 values in the same storage.
  const int64_t scratch_floats = direct
                                     ? detail::same_size_conv_scratch_size(window, s.out_channels)
                                     : s.patch * s.rows * window.ow;
#pragma omp parallel
  {
    const auto scratch = detail::allocate_storage(scratch_floats);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < window.n; ++i) {
      float* out = y.data() + i * s.out_channels * positions;
      if (direct)
        detail::same_size_conv(window, s.out_channels, packed.get(), s.x.data() + i * image_size,
                               scratch.get(), out, /*accumulate=*/false);
      else
        for_each_block(window, s.rows, [&](RowBlock block) {
          float* out_block = out + block.first_row * window.ow;
          const int64_t width = block.rows * window.ow;
          if (s.bf16) {
            auto* cols = reinterpret_cast<detail::bf16*>(scratch.get());
            detail::im2col(window, s.x16.get() + i * image_size, block, cols);
            lowered_product(s, s.weight16.get(), cols, width, 0.0f, out_block, positions);
          } else {
            detail::im2col(window, s.x.data() + i * image_size, block, scratch.get());
            lowered_product(s, s.weight.data(), scratch.get(), width, 0.0f, out_block, positions);
          }
        });
      if (s.bias.defined())
        for (int64_t o = 0; o < s.out_channels; ++o)
          std::for_each(out + o * positions, out + (o + 1) * positions,
                        [b = s.bias.data()[o]](float& v) { v += b; });
    }
  }
  return y;
}

// With stride 1, the input gradient is itself a convolution: of the output gradient, padded by
// k−1−p, with the kernel flipped and its in/out channels swapped. Lowering the output gradient
// with im2col (a gather that vectorises) beats scattering columns back with col2im_add.
struct TransposedConvolution {
  detail::Window window;    // over the output gradient; its output is the input's size
  int64_t in_channels = 0;  // of the convolution: the output channels of this one
  int64_t patch = 0, rows = 0;
  std::shared_ptr<float[]> kernel;           // [c, out·kh·kw]
  std::shared_ptr<detail::bf16[]> kernel16;  // its bf16 copy, for bf16 products
  bool direct = false;                       // by conv3x3, with the kernel packed for it
  std::shared_ptr<float[]> packed;
  int64_t scratch_size() const {
    return direct ? detail::same_size_conv_scratch_size(window, in_channels)
                  : patch * rows * window.ow;
  }
};

bool input_gradient_as_convolution(const detail::Window& window) {
  return window.sh == 1 && window.sw == 1 && window.ph <= window.kh - 1 &&
         window.pw <= window.kw - 1;
}

TransposedConvolution transposed_convolution(const Conv2dSaved& s) {
  const detail::Window& window = s.window;
  TransposedConvolution t;
  t.in_channels = window.c;
  t.window = {.n = window.n,
              .c = s.out_channels,
              .h = window.oh,
              .w = window.ow,
              .kh = window.kh,
              .kw = window.kw,
              .sh = 1,
              .sw = 1,
              .ph = window.kh - 1 - window.ph,
              .pw = window.kw - 1 - window.pw,
              .oh = window.h,
              .ow = window.w};
  t.patch = s.out_channels * window.kh * window.kw;
  t.rows = rows_per_block(t.window, t.patch);
  t.kernel = detail::allocate_storage(window.c * t.patch);
  const int64_t taps = window.kh * window.kw;
  const float* weight = s.weight.data();
  for (int64_t o = 0; o < s.out_channels; ++o)
    for (int64_t c = 0; c < window.c; ++c)
      for (int64_t k = 0; k < taps; ++k)
        t.kernel[(c * s.out_channels + o) * taps + (taps - 1 - k)] =
            weight[(o * window.c + c) * taps + k];
  if (s.bf16) t.kernel16 = detail::bf16_copy(t.kernel.get(), window.c * t.patch);
  t.direct = !s.bf16 && detail::same_size_conv_applies(t.window);
  if (t.direct) {
    t.packed = detail::allocate_storage(detail::same_size_conv_packed_size(t.window, window.c));
    detail::pack_same_size_conv_weight(t.window, t.kernel.get(), window.c, t.packed.get());
  }
  return t;
}

// A weight gradient with few output channels is a short, wide product, [out x patch], which
// wastes most of sgemm's register tile (48 rows on AVX-512): as its transpose, [patch x out], it
// runs 1.2-2x faster (one core: 16 channels 3x3 at 32x32, 66 -> 141 GFLOP/s; 32 at 16x16, 168 ->
// 203). From 48 channels on the two tie, and the product keeps its first form (so the paper CNN's
// numbers are unchanged). The choice depends on the shape alone: the same bits at any thread count.
// (The direct 3x3 kernel needs no product: it writes the first form.)
bool weight_gradient_transposed(const Conv2dSaved& s) {
  return s.out_channels < 48 && s.patch > s.out_channels && !s.direct_weight();
}

// grad_weight += grad_out · im2col(image)ᵀ (or its transpose, see above), for one sample; T is
// float, or bf16 for bf16 products (the operands then are bf16 copies, the sums fp32).
template <class T>
void add_weight_gradient(const Conv2dSaved& s, const T* image, const T* grad_out,
                         float* grad_weight, T* cols) {
  const int64_t positions = s.window.oh * s.window.ow;
  const bool transposed = weight_gradient_transposed(s);
  for_each_block(s.window, s.rows, [&](RowBlock block) {
    const int64_t width = block.rows * s.window.ow;
    const T* grad_block = grad_out + block.first_row * s.window.ow;
    detail::im2col(s.window, image, block, cols);
    if (transposed)
      detail::gemm_sequential(false, true, s.patch, s.out_channels, width, 1.0f, cols, width,
                              grad_block, positions, 1.0f, grad_weight, s.out_channels);
    else
      detail::gemm_sequential(false, true, s.out_channels, s.patch, width, 1.0f, grad_block,
                              positions, cols, width, 1.0f, grad_weight, s.patch);
  });
}

// grad_image += col2im(Wᵀ · grad_out), for one sample: any stride and padding.
template <class T>
void add_input_gradient_by_col2im(const Conv2dSaved& s, const T* weight, const T* grad_out,
                                  float* grad_image, float* cols) {
  const int64_t positions = s.window.oh * s.window.ow;
  for_each_block(s.window, s.rows, [&](RowBlock block) {
    const int64_t width = block.rows * s.window.ow;
    detail::gemm_sequential(true, false, s.patch, width, s.out_channels, 1.0f, weight, s.patch,
                            grad_out + block.first_row * s.window.ow, positions, 0.0f, cols, width);
    detail::col2im_add(s.window, cols, block, grad_image);
  });
}

// grad_image += flipped kernel · im2col(grad_out), for one sample (see TransposedConvolution).
template <class T>
void add_input_gradient_by_convolution(const TransposedConvolution& t, const T* kernel,
                                       const T* grad_out, float* grad_image, T* cols) {
  const detail::Window& window = t.window;
  for_each_block(window, t.rows, [&](RowBlock block) {
    const int64_t width = block.rows * window.ow;
    detail::im2col(window, grad_out, block, cols);
    detail::gemm_sequential(false, false, t.in_channels, width, t.patch, 1.0f, kernel, t.patch,
                            cols, width, 1.0f, grad_image + block.first_row * window.ow,
                            window.oh * window.ow);
  });
}

// grad_bias[o] += the sum of grad_y over samples and positions of channel o.
void add_bias_gradient(const Conv2dSaved& s, const Tensor& grad_y) {
  const int64_t positions = s.window.oh * s.window.ow;
  float* grad_bias = s.bias.grad_or_zeros().data();
  for (int64_t i = 0; i < s.window.n; ++i)
    for (int64_t o = 0; o < s.out_channels; ++o) {
      const float* row = grad_y.data() + (i * s.out_channels + o) * positions;
      float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
      for (int64_t j = 0; j < positions; ++j) sum += row[j];
      grad_bias[o] += sum;
    }
}

// to[c, r] = from[r, c] for a rows x cols matrix.
void transpose(const float* from, int64_t rows, int64_t cols, float* to) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) to[c * rows + r] = from[r * cols + c];
}

// Samples per chunk of the weight-gradient reduction: a constant, so the summation order (and
// hence the result) does not depend on the number of threads.
constexpr int64_t kSamplesPerChunk = 8;

// One sample's gradients by lowered products, from float or bf16 operands: its weight gradient
// into grad_weight (unless null) and its input gradient into grad_image (unless null).
template <class T>
void sample_gradients(const Conv2dSaved& s, const TransposedConvolution& t, const T* weight,
                      const T* kernel, const T* image, const T* grad_out, float* grad_weight,
                      float* grad_image, float* scratch) {
  T* cols = reinterpret_cast<T*>(scratch);  // the same storage holds float or bf16 columns
  if (grad_weight) add_weight_gradient(s, image, grad_out, grad_weight, cols);
  if (grad_image && kernel)
    add_input_gradient_by_convolution(t, kernel, grad_out, grad_image, cols);
  else if (grad_image)
    add_input_gradient_by_col2im(s, weight, grad_out, grad_image, scratch);
}

// Threads take chunks of samples: each chunk sums its samples' weight gradients into a partial of
// its own (added up in chunk order afterwards), and writes its samples' input gradients.
void conv2d_backward(const Conv2dSaved& s, const Tensor& grad_y) {
  const detail::Window& window = s.window;
  const bool need_x = s.x.requires_grad(), need_weight = s.weight.requires_grad();
  // Where x has no gradient yet, each image's is written (or zeroed, then added to) here, by the
  // thread that owns the image, rather than zeroed in one serial pass first.
  const bool fresh_x = need_x && detail::make_fresh_gradient(s.x);
  float* grad_x = need_x ? s.x.grad().data() : nullptr;
  const int64_t positions = window.oh * window.ow, image_size = window.c * window.h * window.w;
  const int64_t chunks = (window.n + kSamplesPerChunk - 1) / kSamplesPerChunk;
  const int64_t weight_size = s.out_channels * s.patch;
  const auto partials =
      detail::allocate_storage(need_weight ? (chunks + 1) * weight_size : 0);  // + the sum
  const bool by_convolution = need_x && input_gradient_as_convolution(window);
  const TransposedConvolution transposed =
      by_convolution ? transposed_convolution(s) : TransposedConvolution{};
  const auto grad16 =
      s.bf16 ? detail::bf16_copy(grad_y.data(), grad_y.numel()) : std::shared_ptr<detail::bf16[]>();
  // The same-size weight gradient takes a chunk's samples at once (same_size_conv.hpp), the
  // lowered one a sample at a time.
  const bool direct_weight = need_weight && s.direct_weight();
  const int64_t cols_size =
      std::max({s.patch * s.rows * window.ow, transposed.scratch_size(),
                direct_weight ? detail::same_size_conv_weight_gradient_scratch_size(
                                    window, s.out_channels, kSamplesPerChunk)
                              : 0});
#pragma omp parallel
  {
    const auto cols = detail::allocate_storage(cols_size);
#pragma omp for schedule(static)
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      float* grad_weight = partials.get() + chunk * weight_size;
      const int64_t first = chunk * kSamplesPerChunk;
      const int64_t samples = std::min(kSamplesPerChunk, window.n - first);
      if (need_weight) std::fill(grad_weight, grad_weight + weight_size, 0.0f);
      if (direct_weight)
        detail::add_same_size_conv_weight_gradient(
            window, s.out_channels, samples, s.x.data() + first * image_size,
            grad_y.data() + first * s.out_channels * positions, cols.get(), grad_weight);
      for (int64_t i = first; i < first + samples; ++i) {
        const int64_t out_offset = i * s.out_channels * positions;
        float* grad_image = need_x ? grad_x + i * image_size : nullptr;
        float* weight_sum = need_weight && !direct_weight ? grad_weight : nullptr;
        if (transposed.direct) {
          detail::same_size_conv(transposed.window, transposed.in_channels, transposed.packed.get(),
                                 grad_y.data() + out_offset, cols.get(), grad_image,
                                 /*accumulate=*/!fresh_x);
          grad_image = nullptr;
        } else if (fresh_x) {
          std::fill(grad_image, grad_image + image_size, 0.0f);
        }
        if (s.bf16)
          sample_gradients(s, transposed, s.weight16.get(), transposed.kernel16.get(),
                           s.x16.get() + i * image_size, grad16.get() + out_offset, weight_sum,
                           grad_image, cols.get());
        else
          sample_gradients(s, transposed, s.weight.data(), transposed.kernel.get(),
                           s.x.data() + i * image_size, grad_y.data() + out_offset, weight_sum,
                           grad_image, cols.get());
      }
    }
  }
  if (need_weight) {
    // Partials are added in chunk order onto the gradient (so micro-batches of a multiple of
    // kSamplesPerChunk samples sum to the same bits), in the partials' layout: a transposed
    // gradient is transposed there and back, which moves values without rounding them.
    float* grad_weight = s.weight.grad_or_zeros().data();
    const bool transposed_sum = weight_gradient_transposed(s);
    float* sum = transposed_sum ? partials.get() + chunks * weight_size : grad_weight;
    if (transposed_sum) transpose(grad_weight, s.out_channels, s.patch, sum);
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      const float* partial = partials.get() + chunk * weight_size;
#pragma omp simd
      for (int64_t j = 0; j < weight_size; ++j) sum[j] += partial[j];
    }
    if (transposed_sum) transpose(sum, s.patch, s.out_channels, grad_weight);
  }
  if (s.bias.defined() && s.bias.requires_grad()) add_bias_gradient(s, grad_y);
}

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
  const detail::Window window =
      detail::Window::make("conv2d", x, weight.size(2), weight.size(3), stride, padding);
  if (weight.size(1) != window.c)
    throw std::invalid_argument("conv2d: input has " + std::to_string(window.c) +
                                " channels, weight " + to_string(weight.shape()) + " expects " +
                                std::to_string(weight.size(1)) + " (input " + to_string(x.shape()) +
                                ")");
  const int64_t out_channels = weight.size(0), patch = window.c * window.kh * window.kw;
  if (bias.defined() && bias.shape() != Shape{out_channels})
    throw std::invalid_argument("conv2d: bias must be [" + std::to_string(out_channels) +
                                "], got " + to_string(bias.shape()));
  Conv2dSaved saved{.x = x,
                    .weight = weight,
                    .bias = bias,
                    .window = window,
                    .out_channels = out_channels,
                    .patch = patch,
                    .rows = rows_per_block(window, patch),
                    .bf16 = matmul_precision() == Precision::bf16};
  Tensor y = conv2d_forward(saved);
  record("conv2d", y, {x, weight, bias},  // an undefined bias is left out
         [saved](const Tensor& grad_y) { conv2d_backward(saved, grad_y); });
  return y;
}

}  // namespace adamite
