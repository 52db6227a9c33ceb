// ResNet for CIFAR (He et al. 2016, "Deep Residual Learning for Image Recognition", §4.2): a 3×3
// convolution to 16 channels, then three stages of n basic blocks at 16, 32 and 64 channels (the
// first block of stages 2 and 3 halves the resolution), global average pooling and a linear
// classifier; 6n + 2 layers, so n = 3 is ResNet-20 (0.27 M parameters). Every convolution is
// followed by BatchNorm. A block whose shape changes takes its shortcut through a stride-2 1×1
// convolution with BatchNorm (the paper's option B); every other shortcut is the identity.
//
// Parameter and buffer names are torchvision's ResNet names ("conv1.weight", "bn1.running_mean",
// "layer2.0.downsample.0.weight", "fc.bias"), so a saved model loads into the same network written
// in PyTorch (tools/resnet_torch.py).
#pragma once

#include <memory>

#include "adamite/nn/module.hpp"
#include "adamite/random.hpp"

namespace adamite::models {

struct ResNetOptions {
  Shape input_shape = {3, 32, 32};
  int64_t blocks_per_stage = 3;  // n: 3 → ResNet-20, 5 → 32, 9 → 56
  int64_t classes = 10;
};

// Convolutions are initialised as torchvision's ResNet does (Kaiming normal, fan_out, ReLU),
// BatchNorm with γ = 1, β = 0; the linear layer keeps PyTorch's default.
std::shared_ptr<nn::Module> resnet(const ResNetOptions& options = {},
                                   Generator& generator = default_generator());

}  // namespace adamite::models
