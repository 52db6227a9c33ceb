// Pooling layers (parameter-free wrappers of the pooling ops).
#pragma once

#include <array>

#include "adamite/nn/module.hpp"
#include "adamite/nn/size2.hpp"

namespace adamite::nn {

class MaxPool2d : public Module {
 public:
  // Without a stride, the stride is the kernel size, as in PyTorch.
  explicit MaxPool2d(Size2 kernel) : MaxPool2d(kernel, kernel) {}
  MaxPool2d(Size2 kernel, Size2 stride, Size2 padding = 0);
  Tensor forward(const Tensor& input) override;
  std::string describe() const override;

 private:
  std::array<int64_t, 2> kernel_, stride_, padding_;
};

class AvgPool2d : public Module {
 public:
  // Without a stride, the stride is the kernel size, as in PyTorch.
  explicit AvgPool2d(Size2 kernel) : AvgPool2d(kernel, kernel) {}
  AvgPool2d(Size2 kernel, Size2 stride, Size2 padding = 0);
  Tensor forward(const Tensor& input) override;
  std::string describe() const override;

 private:
  std::array<int64_t, 2> kernel_, stride_, padding_;
};

// Averages each channel over a grid of output_size cells, as PyTorch's AdaptiveAvgPool2d;
// AdaptiveAvgPool2d(1) is global average pooling.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size);
  Tensor forward(const Tensor& input) override;
  std::string describe() const override;

 private:
  Size2 output_size_;
};

}  // namespace adamite::nn
