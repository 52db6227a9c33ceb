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
                  "The preprocessing the model was trained with (auto: zca for cifar10)")
      ->check(CLI::IsMember(kWhitenChoices))
      ->capture_default_str();
  cmd->callback([args] {
    if (!std::filesystem::exists(args->init))
      throw UsageError("--init: no such file: " + args->init);
    data::Splits splits = load_named_dataset(args->dataset);
    apply_whitening(args->whiten, args->dataset, splits);
    models::ModelConfig config;
    config.example_shape = splits.test.example_shape();
    config.classes = splits.test.num_classes;
    auto model = models::make_model(args->model, config);
    io::load_module(args->init, *model);
    const train::Evaluation result = train::evaluate(*model, splits.test);
    std::cout << std::fixed << std::setprecision(4) << "test_loss " << result.loss
              << "  test_accuracy " << std::setprecision(2) << 100.0 * result.accuracy << "%  ("
              << result.examples << " examples)\n";
  });
}

}  // namespace adamite::cli
