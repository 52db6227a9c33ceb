#include "adamite/nn/conv2d.hpp"

#include <cmath>
#include <stdexcept>

#include "adamite/nn/init.hpp"
#include "adamite/ops/conv2d.hpp"

namespace adamite::nn {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel, Size2 stride, Size2 padding,
               bool bias, Generator& generator)
    : stride_(stride), padding_(padding) {
  if (in_channels <= 0 || out_channels <= 0 || kernel[0] <= 0 || kernel[1] <= 0)
    throw std::invalid_argument("Conv2d: channels and kernel sizes must be positive");
  const float bound = 1.0f / std::sqrt(static_cast<float>(in_channels * kernel[0] * kernel[1]));
  weight_ = register_parameter("weight",
                               Tensor::empty({out_channels, in_channels, kernel[0], kernel[1]}));
  init::uniform(weight_, -bound, bound, generator);
  if (!bias) return;
  bias_ = register_parameter("bias", Tensor::empty({out_channels}));
  init::uniform(bias_, -bound, bound, generator);
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
