#include "adamite/ops/activation.hpp"

#include <cmath>

#include "adamite/autograd.hpp"
#include "adamite/detail/for_each_element.hpp"
#include "adamite/ops/elementwise.hpp"
#include "branch_free_math.hpp"
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
      [](float v) {  // max(v, 0) + log(1 + e^−|v|): no overflow for any v
        using namespace detail;
        return std::max(v, 0.0f) + log1p_nonnegative_branch_free(exp_branch_free(-std::fabs(v)));
      },
      [](float v, float) { return 1.0f / (1.0f + detail::exp_branch_free(-v)); });
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

Tensor add_relu(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return relu(add(a, b));
  Tensor y = Tensor::empty(a.shape());
  const int64_t n = y.numel();
  detail::for_each_element(n, [pa = a.data(), pb = b.data(), py = y.data()](int64_t i) {
    const float v = pa[i] + pb[i];
    py[i] = v > 0.0f ? v : 0.0f;
  });
  // y > 0 exactly where a + b > 0, so y's storage serves as the mask.
  record("add_relu", y, {a, b}, [a, b, y_values = y.detach(), n](const Tensor& g) {
    const float *py = y_values.data(), *pg = g.data();
    const auto cut = [py, pg](int64_t i) {
      return pg[i] * detail::select(py[i] > 0.0f, 1.0f, 0.0f);
    };
    if (a.requires_grad() && b.requires_grad()) {  // one pass writes both
      detail::write_or_add_gradient(a, [&](float* ga, auto fresh_a) {
        detail::write_or_add_gradient(b, [&](float* gb, auto fresh_b) {
          detail::for_each_element(n, [=](int64_t i) {
            const float d = cut(i);
            detail::write_or_add<decltype(fresh_a)::value>(ga[i], d);
            detail::write_or_add<decltype(fresh_b)::value>(gb[i], d);  // adds to ga where b is a
          });
        });
      });
      return;
    }
    detail::write_or_add_gradient(a.requires_grad() ? a : b, [&](float* gt, auto fresh) {
      detail::for_each_element(
          n, [=](int64_t i) { detail::write_or_add<decltype(fresh)::value>(gt[i], cut(i)); });
    });
  });
  return y;
}

}  // namespace adamite
