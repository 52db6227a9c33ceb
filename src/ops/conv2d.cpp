#include "adamite/ops/conv2d.hpp"

#include <algorithm>
#include <vector>

#include "adamite/autograd.hpp"
#include "window.hpp"

namespace adamite {
namespace {

using ConstMatrix = Eigen::Map<const RowMatrix>;

// Lowers one image [c, h, w] to columns [c·kh·kw, oh·ow], so the convolution is one product.
void im2col(const detail::Window& g, const float* image, float* cols) {
  const int64_t positions = g.oh * g.ow;
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        float* row = cols + ((c * g.kh + ki) * g.kw + kj) * positions;
        const auto [first, last] = g.valid_columns(kj);
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          float* out = row + oy * g.ow;
          const int64_t iy = oy * g.sh - g.ph + ki;
          if (iy < 0 || iy >= g.h) {
            std::fill(out, out + g.ow, 0.0f);
            continue;
          }
          const float* in = image + (c * g.h + iy) * g.w - g.pw + kj;
          std::fill(out, out + first, 0.0f);
          for (int64_t ox = first; ox < last; ++ox) out[ox] = in[ox * g.sw];
          std::fill(out + last, out + g.ow, 0.0f);
        }
      }
}

// The adjoint of im2col: adds each column entry back onto the pixel it was read from.
void col2im_add(const detail::Window& g, const float* cols, float* image) {
  const int64_t positions = g.oh * g.ow;
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const float* row = cols + ((c * g.kh + ki) * g.kw + kj) * positions;
        const auto [first, last] = g.valid_columns(kj);
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t iy = oy * g.sh - g.ph + ki;
          if (iy < 0 || iy >= g.h) continue;
          float* out = image + (c * g.h + iy) * g.w - g.pw + kj;
          const float* in = row + oy * g.ow;
          for (int64_t ox = first; ox < last; ++ox) out[ox * g.sw] += in[ox];
        }
      }
}

// Samples per chunk of the weight-gradient reduction: a constant, so the summation order (and
// hence the result) does not depend on the number of threads.
constexpr int64_t kSamplesPerChunk = 8;

}  // namespace

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

  Tensor y = Tensor::empty({g.n, out_channels, g.oh, g.ow});
  const ConstMatrix w(weight.data(), out_channels, patch);
#pragma omp parallel
  {
    std::vector<float> cols(static_cast<size_t>(patch * positions));
#pragma omp for schedule(static)
    for (int64_t i = 0; i < g.n; ++i) {
      im2col(g, x.data() + i * g.c * g.h * g.w, cols.data());
      Eigen::Map<RowMatrix> out(y.data() + i * out_channels * positions, out_channels, positions);
      out.noalias() = w * ConstMatrix(cols.data(), patch, positions);
      if (bias.defined())
        out.colwise() += Eigen::Map<const Eigen::VectorXf>(bias.data(), out_channels);
    }
  }

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  record("conv2d", y, std::move(inputs),
         [x, weight, bias, g, out_channels, patch, positions](const Tensor& gy) {
           const ConstMatrix weights(weight.data(), out_channels, patch);
           const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
           float* gx = need_x ? x.grad_or_zeros().data() : nullptr;
           const int64_t chunks = (g.n + kSamplesPerChunk - 1) / kSamplesPerChunk;
           // One partial weight gradient per chunk, summed afterwards in chunk order.
           std::vector<float> partial(
               need_w ? static_cast<size_t>(chunks * out_channels * patch) : 0, 0.0f);
#pragma omp parallel
           {
             std::vector<float> cols(static_cast<size_t>(patch * positions));
#pragma omp for schedule(static)
             for (int64_t chunk = 0; chunk < chunks; ++chunk) {
               Eigen::Map<RowMatrix> dw(partial.data() + chunk * out_channels * patch, out_channels,
                                        need_w ? patch : 0);
               for (int64_t i = chunk * kSamplesPerChunk;
                    i < std::min(g.n, (chunk + 1) * kSamplesPerChunk); ++i) {
                 const ConstMatrix gout(gy.data() + i * out_channels * positions, out_channels,
                                        positions);
                 if (need_w) {
                   im2col(g, x.data() + i * g.c * g.h * g.w, cols.data());
                   dw.noalias() += gout * ConstMatrix(cols.data(), patch, positions).transpose();
                 }
                 if (need_x) {  // dcols = Wᵀ·gout, then scattered back onto the image
                   Eigen::Map<RowMatrix>(cols.data(), patch, positions).noalias() =
                       weights.transpose() * gout;
                   col2im_add(g, cols.data(), gx + i * g.c * g.h * g.w);
                 }
               }
             }
           }
           if (need_w) {
             Eigen::Map<RowMatrix> dw(weight.grad_or_zeros().data(), out_channels, patch);
             for (int64_t chunk = 0; chunk < chunks; ++chunk)
               dw +=
                   ConstMatrix(partial.data() + chunk * out_channels * patch, out_channels, patch);
           }
           if (bias.defined() && bias.requires_grad()) {
             float* gb = bias.grad_or_zeros().data();
             for (int64_t i = 0; i < g.n; ++i)
               for (int64_t o = 0; o < out_channels; ++o)
                 gb[o] += Eigen::Map<const Eigen::VectorXf>(
                              gy.data() + (i * out_channels + o) * positions, positions)
                              .sum();
           }
         });
  return y;
}

}  // namespace adamite
