#include "models/logistic_regression.hpp"

#include "adamite/nn/dropout.hpp"
#include "adamite/nn/flatten.hpp"
#include "adamite/nn/linear.hpp"

namespace adamite::models {

std::shared_ptr<nn::Sequential> logistic_regression(int64_t inputs, int64_t classes,
                                                    float input_dropout) {
  auto net = std::make_shared<nn::Sequential>();
  net->add<nn::Flatten>();
  if (input_dropout > 0.0f) net->add<nn::Dropout>(input_dropout);
  net->add<nn::Linear>(inputs, classes);
  return net;
}

}  // namespace adamite::models
