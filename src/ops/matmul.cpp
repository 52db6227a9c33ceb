#include "adamite/ops/matmul.hpp"

#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"
#include "gemm.hpp"

namespace adamite {
namespace {
[[noreturn]] void shape_error(const char* op, const std::string& what, const Tensor& a,
                              const Tensor& b) {
  throw std::invalid_argument(std::string(op) + ": " + what + ", got " + to_string(a.shape()) +
                              " and " + to_string(b.shape()));
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.dim() != 2 || b.dim() != 2) shape_error("matmul", "needs two 2-D tensors", a, b);
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  if (b.size(0) != k) shape_error("matmul", "inner dimensions differ", a, b);
  Tensor out = Tensor::empty({m, n});
  detail::gemm(false, false, m, n, k, 1.0f, a.data(), b.data(), 0.0f, out.data());
  record("matmul", out, {a, b}, [a, b, m, n, k](const Tensor& g) {
    // dA = dC·Bᵀ, dB = Aᵀ·dC, accumulated (beta = 1) straight into the gradients.
    if (a.requires_grad())
      detail::gemm(false, true, m, k, n, 1.0f, g.data(), b.data(), 1.0f, a.grad_or_zeros().data());
    if (b.requires_grad())
      detail::gemm(true, false, k, n, m, 1.0f, a.data(), g.data(), 1.0f, b.grad_or_zeros().data());
  });
  return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (x.dim() != 2 || weight.dim() != 2)
    shape_error("linear", "needs input [n,in] and weight [out,in]", x, weight);
  const int64_t batch = x.size(0), in = x.size(1), out_features = weight.size(0);
  if (weight.size(1) != in) shape_error("linear", "input features differ from weight's", x, weight);
  if (bias.defined() && bias.shape() != Shape{out_features})
    shape_error("linear", "bias must be [out]", weight, bias);

  Tensor y = Tensor::empty({batch, out_features});
  if (bias.defined())  // start from the bias in every row, then add x·Wᵀ on top
    y.matrix().rowwise() = bias.matrix().row(0);
  detail::gemm(false, true, batch, out_features, in, 1.0f, x.data(), weight.data(),
               bias.defined() ? 1.0f : 0.0f, y.data());

  record("linear", y, {x, weight, bias},  // an undefined bias is left out
         [x, weight, bias, batch, in, out_features](const Tensor& g) {
           if (x.requires_grad())  // dx = dy·W
             detail::gemm(false, false, batch, in, out_features, 1.0f, g.data(), weight.data(),
                          1.0f, x.grad_or_zeros().data());
           if (weight.requires_grad())  // dW = dyᵀ·x
             detail::gemm(true, false, out_features, in, batch, 1.0f, g.data(), x.data(), 1.0f,
                          weight.grad_or_zeros().data());
           if (bias.defined() && bias.requires_grad())  // db = column sums of dy
             bias.grad_or_zeros().matrix().row(0) += g.matrix().colwise().sum();
         });
  return y;
}

}  // namespace adamite
