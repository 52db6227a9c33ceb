// Pointwise nonlinearities.
#pragma once

#include "adamite/tensor.hpp"

namespace adamite {

Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
// log(1 + e^x), computed without overflow for large |x|.
Tensor softplus(const Tensor& x);
// x for x > 0, slope·x otherwise (PyTorch's default slope 0.01).
Tensor leaky_relu(const Tensor& x, float slope = 0.01f);
// x for x > 0, α(e^x − 1) otherwise.
Tensor elu(const Tensor& x, float alpha = 1.0f);
// x·Φ(x), Φ the standard normal CDF, exactly (with erf), as PyTorch's default GELU.
Tensor gelu(const Tensor& x);
// relu(a + b), as a residual block ends: one pass each way where a and b have the same shape
// (the same bits as the two ops); other shapes broadcast through add, then relu.
Tensor add_relu(const Tensor& a, const Tensor& b);

}  // namespace adamite
