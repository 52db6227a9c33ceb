#include "adamite/ops/softmax.hpp"

#include <cmath>

#include "adamite/autograd.hpp"
#include "axes.hpp"

namespace adamite {
namespace {

// One row (o, ·, i) at a time, in a fixed order: the same bits for any thread count.
template <bool Log>
void softmax_forward(const detail::Axes& a, const float* x, float* y) {
#pragma omp parallel for schedule(static) if (a.outer * a.inner * a.size >= (int64_t{1} << 16))
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      float top = -INFINITY;
      for (int64_t k = 0; k < a.size; ++k) top = std::fmax(top, x[a.at(o, k, i)]);
      double total = 0.0;
      for (int64_t k = 0; k < a.size; ++k) total += std::exp(x[a.at(o, k, i)] - top);
      const auto log_total = static_cast<float>(std::log(total));
      for (int64_t k = 0; k < a.size; ++k) {
        const float shifted = x[a.at(o, k, i)] - top - log_total;
        y[a.at(o, k, i)] = Log ? shifted : std::exp(shifted);
      }
    }
}

// softmax:     gx = y (g − Σ g y)
// log_softmax: gx = g − e^y Σ g
template <bool Log>
void softmax_backward(const detail::Axes& a, const float* y, const float* g, float* gx) {
#pragma omp parallel for schedule(static) if (a.outer * a.inner * a.size >= (int64_t{1} << 16))
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      double dot = 0.0;
      for (int64_t k = 0; k < a.size; ++k) {
        const int64_t at = a.at(o, k, i);
        dot += Log ? g[at] : g[at] * y[at];
      }
      const auto total = static_cast<float>(dot);
      for (int64_t k = 0; k < a.size; ++k) {
        const int64_t at = a.at(o, k, i);
        gx[at] += Log ? g[at] - std::exp(y[at]) * total : y[at] * (g[at] - total);
      }
    }
}

template <bool Log>
Tensor softmax_op(const char* name, const Tensor& x, int64_t dim) {
  const detail::Axes a = detail::axes_around(x.shape(), detail::checked_dim(name, x.shape(), dim));
  Tensor y = Tensor::empty(x.shape());
  softmax_forward<Log>(a, x.data(), y.data());
  record(name, y, {x}, [x, y_values = y.detach(), a](const Tensor& g) {
    softmax_backward<Log>(a, y_values.data(), g.data(), x.grad_or_zeros().data());
  });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  return softmax_op<false>("softmax", x, dim);
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  return softmax_op<true>("log_softmax", x, dim);
}

}  // namespace adamite
