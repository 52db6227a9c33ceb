#include "adamite/nn/pool.hpp"

#include "adamite/ops/pool.hpp"

namespace adamite::nn {
namespace {
std::string window_text(const char* name, std::array<int64_t, 2> k, std::array<int64_t, 2> s,
                        std::array<int64_t, 2> p) {
  return std::string(name) + "(kernel=" + std::to_string(k[0]) + "x" + std::to_string(k[1]) +
         ", stride=" + std::to_string(s[0]) + ", padding=" + std::to_string(p[0]) + ")";
}
}  // namespace

MaxPool2d::MaxPool2d(Size2 kernel, Size2 stride, Size2 padding)
    : kernel_(kernel), stride_(stride), padding_(padding) {}
Tensor MaxPool2d::forward(const Tensor& input) {
  return max_pool2d(input, kernel_, stride_, padding_);
}
std::string MaxPool2d::describe() const {
  return window_text("MaxPool2d", kernel_, stride_, padding_);
}

AvgPool2d::AvgPool2d(Size2 kernel, Size2 stride, Size2 padding)
    : kernel_(kernel), stride_(stride), padding_(padding) {}
Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, kernel_, stride_, padding_);
}
std::string AvgPool2d::describe() const {
  return window_text("AvgPool2d", kernel_, stride_, padding_);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 output_size) : output_size_(output_size) {}
Tensor AdaptiveAvgPool2d::forward(const Tensor& input) {
  return adaptive_avg_pool2d(input, output_size_);
}
std::string AdaptiveAvgPool2d::describe() const {
  return "AdaptiveAvgPool2d(" + std::to_string(output_size_[0]) + "x" +
         std::to_string(output_size_[1]) + ")";
}

}  // namespace adamite::nn
