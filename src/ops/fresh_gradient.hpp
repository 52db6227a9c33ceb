// Backward passes add into an input's gradient. Where the input has no gradient yet, a pass that
// covers every element can write it instead: that skips filling it with zeros and reading those
// zeros back, two passes over memory per op (ResNet-20's activations are megabytes each).
#pragma once

#include <type_traits>

#include "adamite/tensor.hpp"

namespace adamite::detail {

// Calls write(gradient, fresh) with t's gradient storage, where `fresh` is std::true_type if the
// gradient was just made for this call (its contents undefined: every element must be written)
// and std::false_type if it already held sums (every element must be added to).
template <class Write>
void write_or_add_gradient(const Tensor& t, Write write) {
  if (t.grad().defined()) return write(t.grad().data(), std::false_type{});
  t.set_grad(Tensor::empty(t.shape()));
  write(t.grad().data(), std::true_type{});
}

// to = value where the gradient is fresh, to += value where it holds sums (0 + v would be v too,
// except that −0 would become +0).
template <bool Fresh>
inline void write_or_add(float& to, float value) {
  if constexpr (Fresh)
    to = value;
  else
    to += value;
}

}  // namespace adamite::detail
