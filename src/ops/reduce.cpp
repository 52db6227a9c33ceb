#include "adamite/ops/reduce.hpp"

#include "adamite/autograd.hpp"

namespace adamite {

// Sums accumulate in double: a float running sum over 10^5+ terms loses digits.
Tensor sum(const Tensor& x) {
  Tensor out = Tensor::scalar(static_cast<float>(x.array().cast<double>().sum()));
  record("sum", out, {x}, [x](const Tensor& g) { x.grad_or_zeros().array() += g.item(); });
  return out;
}

Tensor mean(const Tensor& x) {
  const int64_t n = x.numel();
  Tensor out = Tensor::scalar(static_cast<float>(x.array().cast<double>().sum() / double(n)));
  record("mean", out, {x}, [x, n](const Tensor& g) {
    x.grad_or_zeros().array() += g.item() / static_cast<float>(n);
  });
  return out;
}

Tensor sum_of_squares(const Tensor& x) {
  Tensor out = Tensor::scalar(static_cast<float>(x.array().cast<double>().square().sum()));
  record("sum_of_squares", out, {x},
         [x](const Tensor& g) { x.grad_or_zeros().array() += 2.0f * g.item() * x.array(); });
  return out;
}

}  // namespace adamite
