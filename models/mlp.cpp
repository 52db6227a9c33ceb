#include "models/mlp.hpp"

#include "adamite/nn/activation.hpp"
#include "adamite/nn/dropout.hpp"
#include "adamite/nn/flatten.hpp"
#include "adamite/nn/linear.hpp"

namespace adamite::models {

std::shared_ptr<nn::Sequential> mlp(const MlpOptions& options) {
  auto net = std::make_shared<nn::Sequential>();
  net->add<nn::Flatten>();
  net->add<nn::Dropout>(options.input_dropout);
  int64_t width = options.inputs;
  for (int64_t layer = 0; layer < options.hidden_layers; ++layer) {
    net->add<nn::Linear>(width, options.hidden);
    net->add<nn::ReLU>();
    net->add<nn::Dropout>(options.hidden_dropout);
    width = options.hidden;
  }
  net->add<nn::Linear>(width, options.classes);
  return net;
}

}  // namespace adamite::models
