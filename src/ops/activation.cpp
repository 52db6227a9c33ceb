#include "adamite/ops/activation.hpp"

#include <cmath>

#include "unary.hpp"

namespace adamite {

Tensor relu(const Tensor& x) {
  return detail::unary(
      "relu", x, [](float v) { return v > 0.0f ? v : 0.0f; },
      [](float v, float) { return v > 0.0f ? 1.0f : 0.0f; });
}

Tensor sigmoid(const Tensor& x) {
  return detail::unary(
      "sigmoid", x, [](float v) { return 1.0f / (1.0f + std::exp(-v)); },
      [](float, float y) { return y * (1.0f - y); });
}

Tensor tanh(const Tensor& x) {
  return detail::unary(
      "tanh", x, [](float v) { return std::tanh(v); }, [](float, float y) { return 1.0f - y * y; });
}

Tensor softplus(const Tensor& x) {
  return detail::unary(
      "softplus", x,
      [](float v) { return std::max(v, 0.0f) + std::log1p(std::exp(-std::fabs(v))); },
      [](float v, float) { return 1.0f / (1.0f + std::exp(-v)); });
}

}  // namespace adamite
