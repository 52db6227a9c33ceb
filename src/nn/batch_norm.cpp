#include "adamite/nn/batch_norm.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "adamite/ops/batch_norm.hpp"

namespace adamite::nn {

BatchNorm::BatchNorm(const char* name, std::vector<int64_t> dims, int64_t num_features, double eps,
                     double momentum, bool affine)
    : name_(name),
      dims_(std::move(dims)),
      eps_(static_cast<float>(eps)),
      momentum_(static_cast<float>(momentum)) {
  if (num_features <= 0 || !(eps > 0.0) || !(momentum >= 0.0 && momentum <= 1.0))
    throw std::invalid_argument(std::string(name) +
                                ": needs num_features > 0, eps > 0 and momentum in [0, 1]");
  if (affine) {
    weight_ = register_parameter("weight", Tensor::full({num_features}, 1.0f));
    bias_ = register_parameter("bias", Tensor::zeros({num_features}));
  }
  running_mean_ = register_buffer("running_mean", Tensor::zeros({num_features}));
  running_var_ = register_buffer("running_var", Tensor::full({num_features}, 1.0f));
  num_batches_tracked_ = register_buffer("num_batches_tracked", Tensor::scalar(0.0f));
}

Tensor BatchNorm::forward(const Tensor& input) {
  return normalize(input, false);
}

Tensor BatchNorm::forward_relu(const Tensor& input) {
  return normalize(input, true);
}

Tensor BatchNorm::normalize(const Tensor& input, bool relu) {
  if (std::find(dims_.begin(), dims_.end(), input.dim()) == dims_.end())
    throw std::invalid_argument(std::string(name_) + ": unexpected input shape " +
                                to_string(input.shape()));
  float& batches = num_batches_tracked_.data()[0];
  if (is_training()) batches += 1.0f;
  const float momentum = cumulative_ && is_training() ? 1.0f / batches : momentum_;
  return (relu ? batch_norm_relu : batch_norm)(input, running_mean_, running_var_, weight_, bias_,
                                               is_training(), momentum, eps_);
}

void BatchNorm::reset_running_stats() {
  running_mean_.array().setZero();
  running_var_.array().setOnes();
  num_batches_tracked_.data()[0] = 0.0f;
}

std::string BatchNorm::describe() const {
  std::ostringstream text;
  text << name_ << "(" << running_mean_.numel() << ", eps=" << eps_ << ", momentum=" << momentum_
       << (weight_.defined() ? ")" : ", affine=false)");
  return text.str();
}

}  // namespace adamite::nn
