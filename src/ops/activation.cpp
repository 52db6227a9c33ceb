#include "adamite/ops/activation.hpp"

#include <cmath>

#include "select.hpp"
#include "unary.hpp"

namespace adamite {

Tensor relu(const Tensor& x) {
  return detail::unary(
      "relu", x, [](float v) { return v > 0.0f ? v : 0.0f; },
      [](float v, float) { return detail::select(v > 0.0f, 1.0f, 0.0f); });
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

Tensor leaky_relu(const Tensor& x, float slope) {
  return detail::unary(
      "leaky_relu", x, [slope](float v) { return detail::select(v > 0.0f, v, slope * v); },
      [slope](float v, float) { return detail::select(v > 0.0f, 1.0f, slope); });
}

Tensor elu(const Tensor& x, float alpha) {
  return detail::unary(
      "elu", x, [alpha](float v) { return v > 0.0f ? v : alpha * std::expm1(v); },
      [alpha](float v, float y) { return detail::select(v > 0.0f, 1.0f, y + alpha); });
}

Tensor gelu(const Tensor& x) {
  constexpr float kInvSqrt2 = 0.70710678118654752f, kInvSqrt2Pi = 0.39894228040143268f;
  return detail::unary(
      "gelu", x, [](float v) { return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2)); },
      [](float v, float) {  // Φ(x) + x φ(x)
        return 0.5f * (1.0f + std::erf(v * kInvSqrt2)) + v * kInvSqrt2Pi * std::exp(-0.5f * v * v);
      });
}

}  // namespace adamite
