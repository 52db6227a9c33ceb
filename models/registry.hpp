// Models by name, for the command line and the reproduction harness: the built-in ones (the
// paper's models and ResNet-20), and any a program registers before it runs the command line
// (docs/guide.md, "Your own model in the adamite program").
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adamite/nn/module.hpp"

namespace adamite::models {

struct ModelConfig {
  Shape example_shape;  // one input example, e.g. [1, 28, 28]
  int64_t classes = 10;
  float input_dropout = 0.2f;  // models without dropout ignore these
  float hidden_dropout = 0.5f;
  // Logistic regression takes input_dropout only when this says so (paper Fig. 1 right): the
  // command line's dropout options are the MLP's and the CNN's.
  bool logreg_input_dropout = false;
};

// Builds a fresh model for a dataset's examples and classes (drawing its initial weights from the
// default generator, which `adamite train` seeds first).
using ModelFactory = std::function<std::shared_ptr<nn::Module>(const ModelConfig&)>;

struct ModelEntry {
  std::string name;
  std::string summary;  // one line for --help and error messages
  ModelFactory factory;
};

// Makes `name` known to make_model, so `adamite train/eval/predict --model NAME` of a program that
// calls this before adamite::cli::run reaches it. Throws std::invalid_argument for a name that is
// empty, holds characters other than letters, digits, '-', '_' and '.', or is taken, and for an
// empty factory. Not thread-safe: register before training starts.
void register_model(const std::string& name, const std::string& summary, ModelFactory factory);

// Every registered model: the built-in ones first, then in the order registered.
const std::vector<ModelEntry>& model_registry();
// The registered names, comma-separated ("logreg, mlp, cnn, resnet20, ...").
std::string model_names();
// Throws std::invalid_argument naming the known models when `name` is not one.
std::shared_ptr<nn::Module> make_model(const std::string& name, const ModelConfig& config);

}  // namespace adamite::models
