// Inverted dropout: in training each element is zeroed with probability p and the survivors
// scaled by 1/(1-p), so evaluation (identity) needs no rescaling.
#pragma once

#include "adamite/random.hpp"
#include "adamite/tensor.hpp"

namespace adamite {

Tensor dropout(const Tensor& x, float p, bool training, Generator& generator = default_generator());

}  // namespace adamite
