// Multinomial logistic regression (the Adam paper's Figure 1): one linear layer on the
// flattened input; softmax lives in the loss. L2 regularisation comes from the optimizer's
// weight decay.
#pragma once

#include <memory>

#include "adamite/nn/sequential.hpp"

namespace adamite::models {

// Parameter names match torch.nn.Sequential(Flatten, Linear): "1.weight", "1.bias". With
// input_dropout > 0, dropout noise on the features comes first (paper Fig. 1 right, bag of words):
// Sequential(Flatten, Dropout, Linear), "2.weight", "2.bias".
std::shared_ptr<nn::Sequential> logistic_regression(int64_t inputs = 784, int64_t classes = 10,
                                                    float input_dropout = 0.0f);

}  // namespace adamite::models
