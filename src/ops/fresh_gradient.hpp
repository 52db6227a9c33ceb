// Backward passes add into an input's gradient. Where the input has no gradient yet, a pass that
// covers every element can write it instead: that skips filling it with zeros and reading those
// zeros back, two passes over memory per op (ResNet-20's activations are megabytes each).
#pragma once

#include <type_traits>

#include "adamite/tensor.hpp"

namespace adamite::detail {

// Gives t a gradient of undefined contents if it has none (true), which the caller must then
// write wholly; false where t's gradient already holds sums, to be added to.
inline bool make_fresh_gradient(const Tensor& t) {
  if (t.grad().defined()) return false;
  t.set_grad(Tensor::empty(t.shape()));
  return true;
}

// Calls write(gradient, fresh) with t's gradient storage, `fresh` as make_fresh_gradient says, as
// std::true_type or std::false_type.
template <class Write>
void write_or_add_gradient(const Tensor& t, Write write) {
  if (make_fresh_gradient(t))
    write(t.grad().data(), std::true_type{});
  else
    write(t.grad().data(), std::false_type{});
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

// The same for a product written into a gradient: its beta, 0 where fresh, 1 where it adds.
template <class Fresh>
constexpr float beta_for(Fresh) {
  return Fresh::value ? 0.0f : 1.0f;
}

}  // namespace adamite::detail
