#include "adamite/nn/linear.hpp"

#include <cmath>
#include <span>
#include <stdexcept>

#include "adamite/nn/init.hpp"
#include "adamite/ops/matmul.hpp"

namespace adamite::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, Generator& generator)
    : in_features_(in_features), out_features_(out_features) {
  if (in_features <= 0 || out_features <= 0)
    throw std::invalid_argument(
        "Linear: features must be positive, got in=" + std::to_string(in_features) +
        " out=" + std::to_string(out_features));
  const float bound = 1.0f / std::sqrt(static_cast<float>(in_features));
  weight_ = register_parameter("weight", Tensor::empty({out_features, in_features}));
  init::uniform(weight_, -bound, bound, generator);
  if (!bias) return;
  bias_ = register_parameter("bias", Tensor::empty({out_features}));
  init::uniform(bias_, -bound, bound, generator);
}

Tensor Linear::forward(const Tensor& input) {
  return linear(input, weight_, bias_);
}

std::string Linear::describe() const {
  return "Linear(in=" + std::to_string(in_features_) + ", out=" + std::to_string(out_features_) +
         (bias_.defined() ? ")" : ", bias=false)");
}

}  // namespace adamite::nn
