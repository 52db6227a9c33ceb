#include "models/cnn.hpp"

#include <stdexcept>

#include "adamite/nn/activation.hpp"
#include "adamite/nn/conv2d.hpp"
#include "adamite/nn/dropout.hpp"
#include "adamite/nn/flatten.hpp"
#include "adamite/nn/linear.hpp"
#include "adamite/nn/pool.hpp"

namespace adamite::models {

std::shared_ptr<nn::Sequential> cnn(const CnnOptions& options) {
  if (options.input_shape.size() != 3)
    throw std::invalid_argument("cnn: input shape must be [channels, height, width], got " +
                                to_string(options.input_shape));
  auto net = std::make_shared<nn::Sequential>();
  net->add<nn::Dropout>(options.input_dropout);
  int64_t channels = options.input_shape[0], height = options.input_shape[1],
          width = options.input_shape[2];
  for (int64_t out : {64, 64, 128}) {
    net->add<nn::Conv2d>(channels, out, /*kernel=*/5, /*stride=*/1, /*padding=*/2);
    // Pooling before ReLU: relu(max(x)) = max(relu(x)), value and gradient bit for bit, and
    // ReLU then touches a quarter of the elements.
    net->add<nn::MaxPool2d>(/*kernel=*/3, /*stride=*/2, /*padding=*/1);
    net->add<nn::ReLU>();
    channels = out;
    height = (height + 2 - 3) / 2 + 1;  // the pooling's output size
    width = (width + 2 - 3) / 2 + 1;
  }
  net->add<nn::Flatten>();
  net->add<nn::Linear>(channels * height * width, 1000);
  net->add<nn::ReLU>();
  net->add<nn::Dropout>(options.fc_dropout);
  net->add<nn::Linear>(1000, options.classes);
  return net;
}

}  // namespace adamite::models
