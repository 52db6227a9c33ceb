#include "adamite/nn/flatten.hpp"

#include "adamite/ops/shape.hpp"

namespace adamite::nn {

Tensor Flatten::forward(const Tensor& input) {
  return flatten(input, 1);
}

}  // namespace adamite::nn
