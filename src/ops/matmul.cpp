#include "adamite/ops/matmul.hpp"

#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"
#include "adamite/precision.hpp"
#include "fresh_gradient.hpp"
#include "gemm.hpp"

namespace adamite {
namespace {
[[noreturn]] void shape_error(const char* op, const std::string& what, const Tensor& a,
                              const Tensor& b) {
  throw std::invalid_argument(std::string(op) + ": " + what + ", got " + to_string(a.shape()) +
                              " and " + to_string(b.shape()));
}

// C = A·B, [m,k]·[k,n].
struct MatmulSaved {
  Tensor a, b;
};

Tensor matmul_forward(const MatmulSaved& s) {
  const int64_t m = s.a.size(0), k = s.a.size(1), n = s.b.size(1);
  Tensor c = Tensor::empty({m, n});
  detail::gemm(false, false, m, n, k, 1.0f, s.a.data(), s.b.data(), 0.0f, c.data());
  return c;
}

// grad_a = grad_c·Bᵀ, grad_b = Aᵀ·grad_c, written or added (beta 0 or 1) straight into the
// gradients.
void matmul_backward(const MatmulSaved& s, const Tensor& grad_c) {
  const int64_t m = s.a.size(0), k = s.a.size(1), n = s.b.size(1);
  if (s.a.requires_grad())
    detail::write_or_add_gradient(s.a, [&](float* grad_a, auto fresh) {
      detail::gemm(false, true, m, k, n, 1.0f, grad_c.data(), s.b.data(), detail::beta_for(fresh),
                   grad_a);
    });
  if (s.b.requires_grad())
    detail::write_or_add_gradient(s.b, [&](float* grad_b, auto fresh) {
      detail::gemm(true, false, k, n, m, 1.0f, s.a.data(), grad_c.data(), detail::beta_for(fresh),
                   grad_b);
    });
}

// y = x·Wᵀ + b, x [n,in], W [out,in].
struct LinearSaved {
  Tensor x, weight, bias;  // bias may be undefined
  bool bf16 = false;       // products in bf16 (adamite/precision.hpp), with these copies:
  std::shared_ptr<detail::bf16[]> x16{}, weight16{};
};

Tensor linear_forward(LinearSaved& s) {
  const int64_t batch = s.x.size(0), in = s.x.size(1), out_features = s.weight.size(0);
  Tensor y = Tensor::empty({batch, out_features});
  if (s.bias.defined())  // start from the bias in every row, then add x·Wᵀ on top
    y.matrix().rowwise() = s.bias.matrix().row(0);
  const float beta = s.bias.defined() ? 1.0f : 0.0f;
  if (s.bf16) {
    s.x16 = detail::bf16_copy(s.x.data(), s.x.numel());
    s.weight16 = detail::bf16_copy(s.weight.data(), s.weight.numel());
    detail::gemm(false, true, batch, out_features, in, 1.0f, s.x16.get(), s.weight16.get(), beta,
                 y.data());
  } else {
    detail::gemm(false, true, batch, out_features, in, 1.0f, s.x.data(), s.weight.data(), beta,
                 y.data());
  }
  return y;
}

// The backward products, with float or bf16 operands alike.
template <class T>
void add_linear_gradients(const LinearSaved& s, const T* grad_y, const T* x, const T* weight) {
  const int64_t batch = s.x.size(0), in = s.x.size(1), out_features = s.weight.size(0);
  if (s.x.requires_grad())  // grad_x = grad_y·W
    detail::write_or_add_gradient(s.x, [&](float* grad_x, auto fresh) {
      detail::gemm(false, false, batch, in, out_features, 1.0f, grad_y, weight,
                   detail::beta_for(fresh), grad_x);
    });
  if (s.weight.requires_grad())  // grad_W = grad_yᵀ·x
    detail::write_or_add_gradient(s.weight, [&](float* grad_weight, auto fresh) {
      detail::gemm(true, false, out_features, in, batch, 1.0f, grad_y, x, detail::beta_for(fresh),
                   grad_weight);
    });
}

void linear_backward(const LinearSaved& s, const Tensor& grad_y) {
  if (s.bf16)
    add_linear_gradients(s, detail::bf16_copy(grad_y.data(), grad_y.numel()).get(), s.x16.get(),
                         s.weight16.get());
  else
    add_linear_gradients(s, grad_y.data(), s.x.data(), s.weight.data());
  if (s.bias.defined() && s.bias.requires_grad())  // grad_b = column sums of grad_y
    detail::write_or_add_gradient(s.bias, [&](float* grad_bias, auto fresh) {
      Eigen::Map<Eigen::RowVectorXf> to(grad_bias, s.bias.numel());
      if constexpr (decltype(fresh)::value)
        to = grad_y.matrix().colwise().sum();
      else
        to += grad_y.matrix().colwise().sum();
    });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.dim() != 2 || b.dim() != 2) shape_error("matmul", "needs two 2-D tensors", a, b);
  if (b.size(0) != a.size(1)) shape_error("matmul", "inner dimensions differ", a, b);
  const MatmulSaved saved{a, b};
  Tensor c = matmul_forward(saved);
  record("matmul", c, {a, b}, [saved](const Tensor& grad_c) { matmul_backward(saved, grad_c); });
  return c;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (x.dim() != 2 || weight.dim() != 2)
    shape_error("linear", "needs input [n,in] and weight [out,in]", x, weight);
  if (weight.size(1) != x.size(1))
    shape_error("linear", "input features differ from weight's", x, weight);
  if (bias.defined() && bias.shape() != Shape{weight.size(0)})
    shape_error("linear", "bias must be [out]", weight, bias);
  LinearSaved saved{
      .x = x, .weight = weight, .bias = bias, .bf16 = matmul_precision() == Precision::bf16};
  Tensor y = linear_forward(saved);
  record("linear", y, {x, weight, bias},  // an undefined bias is left out
         [saved](const Tensor& grad_y) { linear_backward(saved, grad_y); });
  return y;
}

}  // namespace adamite
