// Reductions along one dimension. Each output element is its own fixed-order loop (in double,
// like the whole-tensor sums), so threads never change a bit.
#include <cmath>

#include "adamite/autograd.hpp"
#include "adamite/ops/reduce.hpp"
#include "axes.hpp"

namespace adamite {
namespace {

Shape reduced_shape(const Shape& shape, int64_t d, bool keepdim) {
  Shape out = shape;
  if (keepdim)
    out[static_cast<size_t>(d)] = 1;
  else
    out.erase(out.begin() + d);
  return out;
}

// y[o, i] = scale · Σ_k x[o, k, i]
void sum_forward(const detail::Axes& a, const float* x, float* y, double scale) {
#pragma omp parallel for schedule(static) if (a.outer * a.inner * a.size >= (int64_t{1} << 16))
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      double total = 0.0;
      for (int64_t k = 0; k < a.size; ++k) total += x[a.at(o, k, i)];
      y[o * a.inner + i] = static_cast<float>(total * scale);
    }
}

// gx[o, k, i] += scale · g[o, i]: every summed element gets the output's gradient.
void sum_backward(const detail::Axes& a, const float* g, float* gx, float scale) {
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t k = 0; k < a.size; ++k)
      for (int64_t i = 0; i < a.inner; ++i) gx[a.at(o, k, i)] += scale * g[o * a.inner + i];
}

// The first k holding the largest x[o, k, i] (NaN counts as largest, as in PyTorch).
int64_t first_max(const detail::Axes& a, const float* x, int64_t o, int64_t i) {
  int64_t best = 0;
  for (int64_t k = 1; k < a.size; ++k) {
    const float v = x[a.at(o, k, i)], b = x[a.at(o, best, i)];
    if (std::isnan(b)) break;
    if (v > b || std::isnan(v)) best = k;
  }
  return best;
}

Tensor sum_scaled(const char* name, const Tensor& x, int64_t dim, bool keepdim, bool average) {
  const int64_t d = detail::checked_dim(name, x.shape(), dim);
  const detail::Axes a = detail::axes_around(x.shape(), d);
  if (average && a.size == 0)
    throw std::invalid_argument(std::string(name) + ": dimension " + std::to_string(dim) + " of " +
                                to_string(x.shape()) + " is empty");
  const double scale = average ? 1.0 / static_cast<double>(a.size) : 1.0;
  Tensor y = Tensor::empty(reduced_shape(x.shape(), d, keepdim));
  sum_forward(a, x.data(), y.data(), scale);
  record(name, y, {x}, [x, a, scale](const Tensor& g) {
    sum_backward(a, g.data(), x.grad_or_zeros().data(), static_cast<float>(scale));
  });
  return y;
}

}  // namespace

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
  return sum_scaled("sum", x, dim, keepdim, false);
}

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
  return sum_scaled("mean", x, dim, keepdim, true);
}

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  const int64_t d = detail::checked_dim("max", x.shape(), dim);
  const detail::Axes a = detail::axes_around(x.shape(), d);
  if (a.size == 0)
    throw std::invalid_argument("max: dimension " + std::to_string(dim) + " of " +
                                to_string(x.shape()) + " is empty");
  Tensor y = Tensor::empty(reduced_shape(x.shape(), d, keepdim));
  const float* px = x.data();
  float* py = y.data();
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i)
      py[o * a.inner + i] = px[a.at(o, first_max(a, px, o, i), i)];
  // The position of each maximum is found again from x: nothing extra is kept per step.
  record("max", y, {x}, [x, a](const Tensor& g) {
    float* gx = x.grad_or_zeros().data();
    const float *xs = x.data(), *gs = g.data();
    for (int64_t o = 0; o < a.outer; ++o)
      for (int64_t i = 0; i < a.inner; ++i)
        gx[a.at(o, first_max(a, xs, o, i), i)] += gs[o * a.inner + i];
  });
  return y;
}

std::vector<int64_t> argmax(const Tensor& x, int64_t dim) {
  const int64_t d = detail::checked_dim("argmax", x.shape(), dim);
  const detail::Axes a = detail::axes_around(x.shape(), d);
  if (a.size == 0)
    throw std::invalid_argument("argmax: dimension " + std::to_string(dim) + " of " +
                                to_string(x.shape()) + " is empty");
  std::vector<int64_t> out(static_cast<size_t>(a.outer * a.inner));
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i)
      out[static_cast<size_t>(o * a.inner + i)] = first_max(a, x.data(), o, i);
  return out;
}

}  // namespace adamite
