// The shared shape of pointwise ops: y = value(x) forward, dx += dy * derivative(x, y) backward
// (or dx = … where x has no gradient yet).
#pragma once

#include "adamite/autograd.hpp"
#include "fresh_gradient.hpp"

namespace adamite::detail {

// Below this many elements a pointwise loop is faster than waking a second thread.
constexpr int64_t kParallelElements = int64_t{1} << 16;

template <class Value, class Derivative>
Tensor unary(const char* name, const Tensor& x, Value value, Derivative derivative) {
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
  {
    const float* px = x.data();
    float* py = y.data();
    // Element-wise, so threads (for large tensors) never change a bit.
#pragma omp parallel for simd schedule(static) if (n >= kParallelElements)
    for (int64_t i = 0; i < n; ++i) py[i] = value(px[i]);
  }
  // y's storage is captured (not y itself) so the node does not keep its own output alive.
  record(name, y, {x}, [x, y_values = y.detach(), derivative, n](const Tensor& g) {
    const float *px = x.data(), *py = y_values.data(), *pg = g.data();
    write_or_add_gradient(x, [&](float* gx, auto fresh) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelElements)
      for (int64_t i = 0; i < n; ++i) write_or_add<fresh>(gx[i], pg[i] * derivative(px[i], py[i]));
    });
  });
  return y;
}

}  // namespace adamite::detail
