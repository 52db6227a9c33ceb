#include "models/resnet.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "adamite/nn/batch_norm.hpp"
#include "adamite/nn/conv2d.hpp"
#include "adamite/nn/init.hpp"
#include "adamite/nn/linear.hpp"
#include "adamite/nn/sequential.hpp"
#include "adamite/ops/activation.hpp"
#include "adamite/ops/pool.hpp"
#include "adamite/ops/shape.hpp"

namespace adamite::models {
namespace {

// torchvision's conv init: N(0, 2 / fan_out), fan_out = out·kh·kw.
std::shared_ptr<nn::Conv2d> conv(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                 Generator& generator) {
  auto layer =
      std::make_shared<nn::Conv2d>(in, out, kernel, stride, kernel / 2, /*bias=*/false, generator);
  const double fan_out = double(out * kernel * kernel);
  nn::init::normal(layer->weight(), 0.0f, float(std::sqrt(2.0 / fan_out)), generator);
  return layer;
}

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
class BasicBlock : public nn::Module {
 public:
  BasicBlock(int64_t in, int64_t out, int64_t stride, Generator& generator)
      : conv1_(register_module("conv1", conv(in, out, 3, stride, generator))),
        bn1_(register_module("bn1", std::make_shared<nn::BatchNorm2d>(out))),
        conv2_(register_module("conv2", conv(out, out, 3, 1, generator))),
        bn2_(register_module("bn2", std::make_shared<nn::BatchNorm2d>(out))) {
    if (stride != 1 || in != out) {
      downsample_ = std::make_shared<nn::Sequential>();
      downsample_->push_back(conv(in, out, 1, stride, generator));
      downsample_->add<nn::BatchNorm2d>(out);
      register_module("downsample", downsample_);
    }
  }

  Tensor forward(const Tensor& x) override {
    const Tensor y = bn2_->forward(conv2_->forward(bn1_->forward_relu(conv1_->forward(x))));
    return add_relu(y, downsample_ ? downsample_->forward(x) : x);
  }

 private:
  std::shared_ptr<nn::Conv2d> conv1_;
  std::shared_ptr<nn::BatchNorm2d> bn1_;
  std::shared_ptr<nn::Conv2d> conv2_;
  std::shared_ptr<nn::BatchNorm2d> bn2_;
  std::shared_ptr<nn::Sequential> downsample_;  // null: the identity
};

class ResNet : public nn::Module {
 public:
  ResNet(const ResNetOptions& options, Generator& generator) : blocks_(options.blocks_per_stage) {
    conv1_ = register_module("conv1", conv(options.input_shape[0], 16, 3, 1, generator));
    bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(16));
    int64_t channels = 16;
    for (int64_t stage = 0; stage < 3; ++stage) {
      auto layer = std::make_shared<nn::Sequential>();
      const int64_t out = 16 << stage;
      for (int64_t b = 0; b < blocks_; ++b) {
        layer->push_back(
            std::make_shared<BasicBlock>(channels, out, b == 0 && stage > 0 ? 2 : 1, generator));
        channels = out;
      }
      stages_.push_back(register_module("layer" + std::to_string(stage + 1), layer));
    }
    fc_ = register_module("fc",
                          std::make_shared<nn::Linear>(channels, options.classes, true, generator));
  }

  Tensor forward(const Tensor& x) override {
    Tensor y = bn1_->forward_relu(conv1_->forward(x));
    for (const auto& stage : stages_) y = stage->forward(y);
    y = adaptive_avg_pool2d(y, {1, 1});
    return fc_->forward(reshape(y, {y.size(0), y.size(1)}));
  }

  std::string describe() const override {
    return "ResNet-" + std::to_string(6 * blocks_ + 2) + " (CIFAR)";
  }

 private:
  int64_t blocks_;
  std::shared_ptr<nn::Conv2d> conv1_;
  std::shared_ptr<nn::BatchNorm2d> bn1_;
  std::vector<std::shared_ptr<nn::Sequential>> stages_;
  std::shared_ptr<nn::Linear> fc_;
};

}  // namespace

std::shared_ptr<nn::Module> resnet(const ResNetOptions& options, Generator& generator) {
  if (options.input_shape.size() != 3)
    throw std::invalid_argument("resnet: input shape must be [channels, height, width], got " +
                                to_string(options.input_shape));
  if (options.blocks_per_stage < 1)
    throw std::invalid_argument("resnet: blocks_per_stage must be at least 1, got " +
                                std::to_string(options.blocks_per_stage));
  return std::make_shared<ResNet>(options, generator);
}

}  // namespace adamite::models
