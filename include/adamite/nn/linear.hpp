// Fully connected layer: y = x·Wᵀ + b, W of shape [out, in] as in PyTorch.
#pragma once

#include "adamite/nn/module.hpp"
#include "adamite/random.hpp"

namespace adamite::nn {

class Linear : public Module {
 public:
  // PyTorch's default initialisation: W and b uniform in ±1/√in (kaiming_uniform with a = √5
  // reduces to exactly this bound).
  Linear(int64_t in_features, int64_t out_features, bool bias = true,
         Generator& generator = default_generator());

  Tensor forward(const Tensor& input) override;
  std::string describe() const override;

  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }

 private:
  int64_t in_features_, out_features_;
  Tensor weight_, bias_;
};

}  // namespace adamite::nn
