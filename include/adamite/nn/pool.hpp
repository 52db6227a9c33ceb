// Pooling layers (parameter-free wrappers of the pooling ops).
#pragma once

#include <array>

#include "adamite/nn/module.hpp"

namespace adamite::nn {

class MaxPool2d : public Module {
 public:
  MaxPool2d(std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
            std::array<int64_t, 2> padding = {0, 0});
  Tensor forward(const Tensor& input) override;
  std::string describe() const override;

 private:
  std::array<int64_t, 2> kernel_, stride_, padding_;
};

class AvgPool2d : public Module {
 public:
  AvgPool2d(std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
            std::array<int64_t, 2> padding = {0, 0});
  Tensor forward(const Tensor& input) override;
  std::string describe() const override;

 private:
  std::array<int64_t, 2> kernel_, stride_, padding_;
};

}  // namespace adamite::nn
