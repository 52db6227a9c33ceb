// The shared shape of pointwise ops: y = value(x) forward, dx += dy * derivative(x, y) backward
// (or dx = … where x has no gradient yet).
#pragma once

#include "adamite/autograd.hpp"
#include "adamite/detail/for_each_element.hpp"
#include "fresh_gradient.hpp"

namespace adamite::detail {

template <class Value, class Derivative>
Tensor unary(const char* name, const Tensor& x, Value value, Derivative derivative) {
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
  for_each_element(n, [px = x.data(), py = y.data(), value](int64_t i) { py[i] = value(px[i]); });
  // y's storage is captured (not y itself) so the node does not keep its own output alive.
  record(name, y, {x}, [x, y_values = y.detach(), derivative, n](const Tensor& g) {
    const float *px = x.data(), *py = y_values.data(), *pg = g.data();
    write_or_add_gradient(x, [&](float* gx, auto fresh) {
      for_each_element(n, [=](int64_t i) {
        write_or_add<decltype(fresh)::value>(gx[i], pg[i] * derivative(px[i], py[i]));
      });
    });
  });
  return y;
}

}  // namespace adamite::detail
