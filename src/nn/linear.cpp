#include "adamite/nn/linear.hpp"

#include <cmath>
#include <span>
#include <stdexcept>

#include "adamite/ops/matmul.hpp"
#include "init.hpp"

namespace adamite::nn {
Linear::Linear(int64_t in_features, int64_t out_features, bool bias, Generator& generator)
    : in_features_(in_features), out_features_(out_features) {
  if (in_features <= 0 || out_features <= 0)
    throw std::invalid_argument(
        "Linear: features must be positive, got in=" + std::to_string(in_features) +
        " out=" + std::to_string(out_features));
  const float bound = 1.0f / std::sqrt(static_cast<float>(in_features));
  weight_ =
      register_parameter("weight", detail::uniform({out_features, in_features}, bound, generator));
  if (bias) bias_ = register_parameter("bias", detail::uniform({out_features}, bound, generator));
}

Tensor Linear::forward(const Tensor& input) {
  return linear(input, weight_, bias_);
}

std::string Linear::describe() const {
  return "Linear(in=" + std::to_string(in_features_) + ", out=" + std::to_string(out_features_) +
         (bias_.defined() ? ")" : ", bias=false)");
}

}  // namespace adamite::nn
