// Softmax and log-softmax along one dimension (negative counts from the end), each row shifted by
// its maximum first so that no logit size overflows.
#pragma once

#include <cstdint>

#include "adamite/tensor.hpp"

namespace adamite {

// y = e^(x − max) / Σ e^(x − max)
Tensor softmax(const Tensor& x, int64_t dim = -1);
// y = x − max − log Σ e^(x − max)
Tensor log_softmax(const Tensor& x, int64_t dim = -1);

}  // namespace adamite
