// Pointwise nonlinearities.
#pragma once

#include "adamite/tensor.hpp"

namespace adamite {

Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
// log(1 + e^x), computed without overflow for large |x|.
Tensor softplus(const Tensor& x);

}  // namespace adamite
