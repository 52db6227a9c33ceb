// The paper's models by name, for the command line and the reproduction harness.
#pragma once

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

struct ModelEntry {
  std::string name;
  std::string summary;
};

const std::vector<ModelEntry>& model_registry();
// Throws std::invalid_argument naming the known models when `name` is not one.
std::shared_ptr<nn::Module> make_model(const std::string& name, const ModelConfig& config);

}  // namespace adamite::models
