#include "models/registry.hpp"

#include <cctype>
#include <stdexcept>

#include "models/cnn.hpp"
#include "models/logistic_regression.hpp"
#include "models/mlp.hpp"
#include "models/resnet.hpp"

namespace adamite::models {
namespace {

std::shared_ptr<nn::Module> make_logreg(const ModelConfig& config) {
  return logistic_regression(numel(config.example_shape), config.classes,
                             config.logreg_input_dropout ? config.input_dropout : 0.0f);
}

std::shared_ptr<nn::Module> make_mlp(const ModelConfig& config) {
  MlpOptions options;
  options.inputs = numel(config.example_shape);
  options.classes = config.classes;
  options.input_dropout = config.input_dropout;
  options.hidden_dropout = config.hidden_dropout;
  return mlp(options);
}

std::shared_ptr<nn::Module> make_cnn(const ModelConfig& config) {
  CnnOptions options;
  options.input_shape = config.example_shape;
  options.classes = config.classes;
  options.input_dropout = config.input_dropout;
  options.fc_dropout = config.hidden_dropout;
  return cnn(options);
}

std::shared_ptr<nn::Module> make_resnet20(const ModelConfig& config) {
  ResNetOptions options;
  options.input_shape = config.example_shape;
  options.classes = config.classes;
  return resnet(options);
}

bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

// Built on first use, so that a registration from any static initialiser finds the built-in
// models already there.
std::vector<ModelEntry>& registry() {
  static std::vector<ModelEntry> entries = [] {
    std::vector<ModelEntry> built_in;
    built_in.push_back({"logreg", "multinomial logistic regression (paper Fig. 1)", make_logreg});
    built_in.push_back({"mlp", "784-1000-1000-10 ReLU MLP with dropout (paper Fig. 2)", make_mlp});
    built_in.push_back({"cnn",
                        "c64-c64-c128-1000 CNN, 5x5 convs, 3x3/2 max-pools, dropout (paper Fig. 3)",
                        make_cnn});
    built_in.push_back({"resnet20",
                        "ResNet-20 for CIFAR (He et al. 2016): 3x3 basic blocks, BatchNorm, 0.27 M",
                        make_resnet20});
    return built_in;
  }();
  return entries;
}

}  // namespace

void register_model(const std::string& name, const std::string& summary, ModelFactory factory) {
  if (!valid_name(name))
    throw std::invalid_argument("register_model: '" + name +
                                "' is not a model name (letters, digits, '-', '_' and '.')");
  if (!factory) throw std::invalid_argument("register_model: '" + name + "' has no factory");
  for (const ModelEntry& entry : registry())
    if (entry.name == name)
      throw std::invalid_argument("register_model: a model named '" + name +
                                  "' is registered already (" + entry.summary + ")");
  registry().push_back({name, summary, std::move(factory)});
}

const std::vector<ModelEntry>& model_registry() {
  return registry();
}

std::string model_names() {
  std::string names;
  for (const ModelEntry& entry : registry()) names += (names.empty() ? "" : ", ") + entry.name;
  return names;
}

std::shared_ptr<nn::Module> make_model(const std::string& name, const ModelConfig& config) {
  for (const ModelEntry& entry : registry())
    if (entry.name == name) return entry.factory(config);
  throw std::invalid_argument("unknown model '" + name + "' (known: " + model_names() + ")");
}

}  // namespace adamite::models
