// Reductions to a scalar.
#pragma once

#include "adamite/tensor.hpp"

namespace adamite {

Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);
// Σ x², the L2 penalty's building block.
Tensor sum_of_squares(const Tensor& x);

}  // namespace adamite
