// 2-D convolution layer over NCHW input, weight [out, in, kh, kw] as in PyTorch.
#pragma once

#include <array>

#include "adamite/nn/module.hpp"
#include "adamite/nn/size2.hpp"
#include "adamite/random.hpp"

namespace adamite::nn {

class Conv2d : public Module {
 public:
  // PyTorch's default initialisation: weight and bias uniform in ±1/√(in·kh·kw).
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel, Size2 stride = 1,
         Size2 padding = 0, bool bias = true, Generator& generator = default_generator());

  Tensor forward(const Tensor& input) override;
  std::string describe() const override;
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }

 private:
  std::array<int64_t, 2> stride_, padding_;
  Tensor weight_, bias_;
};

}  // namespace adamite::nn
