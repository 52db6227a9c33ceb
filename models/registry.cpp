#include "models/registry.hpp"

#include <stdexcept>

#include "models/cnn.hpp"
#include "models/logistic_regression.hpp"
#include "models/mlp.hpp"
#include "models/resnet.hpp"

namespace adamite::models {

const std::vector<ModelEntry>& model_registry() {
  static const std::vector<ModelEntry> registry = {
      {"logreg", "multinomial logistic regression (paper Fig. 1)"},
      {"mlp", "784-1000-1000-10 ReLU MLP with dropout (paper Fig. 2)"},
      {"cnn", "c64-c64-c128-1000 CNN, 5x5 convs, 3x3/2 max-pools, dropout (paper Fig. 3)"},
      {"resnet20", "ResNet-20 for CIFAR (He et al. 2016): 3x3 basic blocks, BatchNorm, 0.27 M"},
  };
  return registry;
}

std::shared_ptr<nn::Module> make_model(const std::string& name, const ModelConfig& config) {
  const int64_t inputs = numel(config.example_shape);
  if (name == "logreg")
    return logistic_regression(inputs, config.classes,
                               config.logreg_input_dropout ? config.input_dropout : 0.0f);
  if (name == "mlp") {
    MlpOptions options;
    options.inputs = inputs;
    options.classes = config.classes;
    options.input_dropout = config.input_dropout;
    options.hidden_dropout = config.hidden_dropout;
    return mlp(options);
  }
  if (name == "cnn") {
    CnnOptions options;
    options.input_shape = config.example_shape;
    options.classes = config.classes;
    options.input_dropout = config.input_dropout;
    options.fc_dropout = config.hidden_dropout;
    return cnn(options);
  }
  if (name == "resnet20") {
    ResNetOptions options;
    options.input_shape = config.example_shape;
    options.classes = config.classes;
    return resnet(options);
  }
  std::string known;
  for (const ModelEntry& entry : model_registry())
    known += (known.empty() ? "" : ", ") + entry.name;
  throw std::invalid_argument("unknown model '" + name + "' (known: " + known + ")");
}

}  // namespace adamite::models
