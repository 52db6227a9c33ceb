// The Adam paper's multilayer perceptron (Section 6.2, Figure 2): 784-1000-1000-10, ReLU,
// dropout on the input and after each hidden layer. Built with the public API only.
#pragma once

#include <memory>

#include "adamite/nn/sequential.hpp"

namespace adamite::models {

struct MlpOptions {
  int64_t inputs = 784;
  int64_t hidden = 1000;
  int64_t hidden_layers = 2;
  int64_t classes = 10;
  float input_dropout = 0.2f;  // Dropout(0) is the identity, so parameter names never change
  float hidden_dropout = 0.5f;
};

// Parameter names match torch.nn.Sequential(Flatten, Dropout, Linear, ReLU, Dropout, Linear,
// ReLU, Dropout, Linear): "2.weight", "2.bias", "5.weight", ..., "8.bias".
std::shared_ptr<nn::Sequential> mlp(const MlpOptions& options = {});

}  // namespace adamite::models
