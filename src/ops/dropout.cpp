#include "adamite/ops/dropout.hpp"

#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"

namespace adamite {

Tensor dropout(const Tensor& x, float p, bool training, Generator& generator) {
  if (!(p >= 0.0f && p <= 1.0f))
    throw std::invalid_argument("dropout: probability must be in [0, 1], got " + std::to_string(p));
  if (!training || p == 0.0f) return x;

  // The mask holds 0 or 1/(1-p); forward and backward both multiply by it.
  Tensor mask = Tensor::empty(x.shape());
  const float keep_scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  float* pm = mask.data();
  for (int64_t i = 0, n = x.numel(); i < n; ++i)
    pm[i] = generator.uniform() >= p ? keep_scale : 0.0f;

  Tensor y = Tensor::empty(x.shape());
  y.array() = x.array() * mask.array();
  record("dropout", y, {x},
         [x, mask](const Tensor& g) { x.grad_or_zeros().array() += g.array() * mask.array(); });
  return y;
}

}  // namespace adamite
