#include "adamite/nn/activation.hpp"

#include "adamite/ops/activation.hpp"

namespace adamite::nn {

Tensor ReLU::forward(const Tensor& input) {
  return relu(input);
}
Tensor Sigmoid::forward(const Tensor& input) {
  return sigmoid(input);
}
Tensor Tanh::forward(const Tensor& input) {
  return adamite::tanh(input);
}
Tensor Softplus::forward(const Tensor& input) {
  return softplus(input);
}

}  // namespace adamite::nn
