// Your own `adamite` program: a model written in C++, registered by name, then the whole command
// line, so that `own_model train --model tiny --dataset folder:PATH` trains it (and eval, predict).
#include <adamite/adamite.hpp>

#include "adamite_cli.hpp"
#include "models/registry.hpp"
using namespace adamite;

// Any input shape, any number of classes: the command line passes the dataset's.
std::shared_ptr<nn::Module> tiny(const models::ModelConfig& config) {
  auto model = std::make_shared<nn::Sequential>();
  model->add<nn::Flatten>();
  model->add<nn::Linear>(numel(config.example_shape), 32);
  model->add<nn::ReLU>();
  model->add<nn::Linear>(32, config.classes);
  return model;
}

int main(int argc, char** argv) {
  models::register_model("tiny", "Flatten, Linear(32), ReLU, Linear: a first try", tiny);
  return cli::run(argc, argv);
}
