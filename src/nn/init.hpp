// Internal to src/nn: PyTorch's default initialisation, shared by Linear and Conv2d.
#pragma once

#include "adamite/random.hpp"
#include "adamite/tensor.hpp"

namespace adamite::nn::detail {

// Values uniform in [−bound, bound); the layers use bound = 1/√fan_in.
inline Tensor uniform(const Shape& shape, float bound, Generator& generator) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = generator.uniform(-bound, bound);
  return t;
}

}  // namespace adamite::nn::detail
