// Matrix products.
#pragma once

#include "adamite/tensor.hpp"

namespace adamite {

// [m,k] x [k,n] -> [m,n]
Tensor matmul(const Tensor& a, const Tensor& b);
// x [n,in], weight [out,in] (PyTorch's layout), bias [out] or undefined -> x·weightᵀ + bias.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace adamite
