// Multinomial logistic regression (the Adam paper's Figure 1): one linear layer on the
// flattened input; softmax lives in the loss. L2 regularisation comes from the optimizer's
// weight decay.
#pragma once

#include <memory>

#include "adamite/nn/sequential.hpp"

namespace adamite::models {

// Parameter names match torch.nn.Sequential(Flatten, Linear): "1.weight", "1.bias".
std::shared_ptr<nn::Sequential> logistic_regression(int64_t inputs = 784, int64_t classes = 10);

}  // namespace adamite::models
