#include "adamite/nn/conv2d.hpp"

#include <cmath>
#include <stdexcept>

#include "adamite/ops/conv2d.hpp"
#include "init.hpp"

namespace adamite::nn {
Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel,
               std::array<int64_t, 2> stride, std::array<int64_t, 2> padding, bool bias,
               Generator& generator)
    : stride_(stride), padding_(padding) {
  if (in_channels <= 0 || out_channels <= 0 || kernel[0] <= 0 || kernel[1] <= 0)
    throw std::invalid_argument("Conv2d: channels and kernel sizes must be positive");
  const float bound = 1.0f / std::sqrt(static_cast<float>(in_channels * kernel[0] * kernel[1]));
  weight_ = register_parameter(
      "weight",
      detail::uniform({out_channels, in_channels, kernel[0], kernel[1]}, bound, generator));
  if (bias) bias_ = register_parameter("bias", detail::uniform({out_channels}, bound, generator));
}

Tensor Conv2d::forward(const Tensor& input) {
  return conv2d(input, weight_, bias_, stride_, padding_);
}

std::string Conv2d::describe() const {
  const Shape& s = weight_.shape();
  return "Conv2d(in=" + std::to_string(s[1]) + ", out=" + std::to_string(s[0]) +
         ", kernel=" + std::to_string(s[2]) + "x" + std::to_string(s[3]) +
         ", stride=" + std::to_string(stride_[0]) + ", padding=" + std::to_string(padding_[0]) +
         (bias_.defined() ? ")" : ", bias=false)");
}

}  // namespace adamite::nn
