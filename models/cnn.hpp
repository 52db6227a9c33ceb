// The Adam paper's convolutional network (Section 6.3, Figure 3): three blocks of
// conv5x5 ("same" padding) → ReLU → max-pool 3x3 stride 2, with 64, 64 and 128 channels, then
// fc 1000 → ReLU → fc classes. Dropout on the input and on the fully connected layer. (Built as
// conv → max-pool → ReLU: the same function and gradients, with ReLU on a quarter of the values.)
#pragma once

#include <memory>

#include "adamite/nn/sequential.hpp"

namespace adamite::models {

struct CnnOptions {
  Shape input_shape = {3, 32, 32};  // one example [channels, height, width]
  int64_t classes = 10;
  float input_dropout = 0.2f;  // Dropout(0) is the identity, so parameter names never change
  float fc_dropout = 0.5f;
};

// Parameter names match the same torch.nn.Sequential: "1.weight" (first conv), "4.*", "7.*",
// "11.*" (fc 1000) and "14.*" (the classifier).
std::shared_ptr<nn::Sequential> cnn(const CnnOptions& options = {});

}  // namespace adamite::models
