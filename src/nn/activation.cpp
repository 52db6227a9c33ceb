#include "adamite/nn/activation.hpp"

#include <sstream>

#include "adamite/ops/activation.hpp"

namespace adamite::nn {
namespace {
std::string number(float value) {
  std::ostringstream text;
  text << value;  // 0.01, not std::to_string's 0.010000
  return text.str();
}
}  // namespace

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

Tensor LeakyReLU::forward(const Tensor& input) {
  return leaky_relu(input, slope_);
}
std::string LeakyReLU::describe() const {
  return "LeakyReLU(negative_slope=" + number(slope_) + ")";
}

Tensor ELU::forward(const Tensor& input) {
  return elu(input, alpha_);
}
std::string ELU::describe() const {
  return "ELU(alpha=" + number(alpha_) + ")";
}

Tensor GELU::forward(const Tensor& input) {
  return gelu(input);
}

}  // namespace adamite::nn
