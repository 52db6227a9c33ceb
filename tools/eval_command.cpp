#include <filesystem>
#include <iomanip>
#include <iostream>

#include "adamite/io/safetensors.hpp"
#include "adamite/train/evaluate.hpp"
#include "commands.hpp"
#include "models/registry.hpp"

namespace adamite::cli {

void add_eval_command(CLI::App& app) {
  struct Args {
    std::string model = "mlp", dataset = "mnist", init, whiten = "auto";
  };
  auto args = std::make_shared<Args>();

  auto* cmd = app.add_subcommand("eval", "Test loss and accuracy of saved weights");
  add_model_and_dataset_options(cmd, args->model, args->dataset);
  cmd->add_option("--init", args->init, "Weights (.safetensors) to evaluate")->required();
  cmd->add_option("--whiten", args->whiten,
                  "The preprocessing the model was trained with (auto: zca for cifar10); model, "
                  "dataset and preprocessing default to what the weights file records")
      ->check(CLI::IsMember(kWhitenChoices))
      ->capture_default_str();
  cmd->callback([args, cmd] {
    if (!std::filesystem::exists(args->init))
      throw UsageError("--init: no such file: " + args->init);
    const auto& metadata = io::load_safetensors(args->init).metadata;
    const auto setting = [&](const std::string& key, const std::string& value) {
      return recorded_setting(metadata, args->init, key, *cmd, "--" + key, value);
    };
    const std::string model_name = setting("model", args->model),
                      dataset = setting("dataset", args->dataset),
                      whiten = setting("whiten", args->whiten);
    data::Splits splits = load_named_dataset(dataset);
    apply_whitening(whiten, dataset, splits);
    models::ModelConfig config;
    config.example_shape = splits.test.example_shape();
    config.classes = splits.test.num_classes;
    auto model = models::make_model(model_name, config);
    io::load_module(args->init, *model);
    const train::Evaluation result = train::evaluate(*model, splits.test);
    std::cout << std::fixed << std::setprecision(4) << "test_loss " << result.loss
              << "  test_accuracy " << std::setprecision(2) << 100.0 * result.accuracy << "%  ("
              << result.examples << " examples)\n";
  });
}

}  // namespace adamite::cli
