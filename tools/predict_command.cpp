// adamite predict: the top classes, with probabilities, of image files under saved weights.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "adamite/autograd.hpp"
#include "adamite/data/image_folder.hpp"
#include "adamite/io/safetensors.hpp"
#include "adamite/ops/softmax.hpp"
#include "commands.hpp"
#include "models/registry.hpp"

namespace adamite::cli {
namespace {

struct PredictArgs {
  std::string init, model, dataset, whiten = "auto";  // auto where the file records none
  int64_t top = 3;
  std::vector<std::string> images;
};

std::vector<std::string> class_names(const io::SafetensorsFile& file, const data::Dataset& train) {
  const auto it = file.metadata.find("class_names");
  if (it == file.metadata.end()) return train.class_names;
  const auto names = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!names.is_array()) return train.class_names;
  std::vector<std::string> result;
  for (const auto& name : names)
    if (name.is_string()) result.push_back(name.get<std::string>());
  return result;
}

// What the weights file says it is (adamite train --save writes these); a model and a dataset it
// does not name must be given.
std::string setting(const PredictArgs& args, const io::SafetensorsFile& weights,
                    const CLI::App& command, const std::string& key, const std::string& value) {
  const std::string option = "--" + key;
  const std::string result =
      recorded_setting(weights.metadata, args.init, key, command, option, value);
  if (result.empty())
    throw UsageError("give " + option + " (" + args.init + " has no '" + key + "' entry)");
  return result;
}

void predict(const PredictArgs& args, const CLI::App& command) {
  if (!std::filesystem::exists(args.init)) throw UsageError("--init: no such file: " + args.init);
  const io::SafetensorsFile weights = io::load_safetensors(args.init);
  const std::string model_name = setting(args, weights, command, "model", args.model);
  const std::string dataset = setting(args, weights, command, "dataset", args.dataset);
  const std::string whiten = setting(args, weights, command, "whiten", args.whiten);
  // The preprocessing is fitted on the training set, as it was for training.
  data::Splits splits = load_named_dataset(dataset);
  const Shape example = splits.train.example_shape();
  data::Dataset images;
  images.name = "images";
  images.num_classes = splits.train.num_classes;
  Shape shape = example;
  shape.insert(shape.begin(), int64_t(args.images.size()));
  images.inputs = Tensor::empty(shape);
  for (size_t i = 0; i < args.images.size(); ++i) {
    const Tensor image = data::read_image(args.images[i]);
    if (image.shape() != example)
      throw std::runtime_error(args.images[i] + ": image is " + to_string(image.shape()) +
                               " (channels, height, width), the model takes " + to_string(example) +
                               " (" + dataset + ")");
    std::copy(image.data(), image.data() + image.numel(),
              images.inputs.data() + int64_t(i) * image.numel());
    images.labels.push_back(0);
  }
  apply_whitening(whiten, dataset, splits, &images);

  models::ModelConfig config;
  config.example_shape = example;
  config.classes = splits.train.num_classes;
  auto model = models::make_model(model_name, config);
  io::load_module(args.init, *model);
  model->eval();
  NoGradGuard no_grad;
  const Tensor probabilities = softmax(model->forward(images.examples()), 1);
  const std::vector<std::string> names = class_names(weights, splits.train);
  const int64_t classes = probabilities.size(1);
  std::vector<int64_t> order(static_cast<size_t>(classes));
  for (size_t i = 0; i < args.images.size(); ++i) {
    const float* p = probabilities.data() + int64_t(i) * classes;
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
    std::cout << args.images[i] << ':';
    for (int64_t k = 0; k < std::min(args.top, classes); ++k) {
      const int64_t c = order[size_t(k)];
      std::cout << (k ? ", " : " ")
                << (size_t(c) < names.size() ? names[size_t(c)] : std::to_string(c)) << ' '
                << std::fixed << std::setprecision(3) << p[c];
    }
    std::cout << '\n';
  }
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand(
      "predict", "The most likely classes of image files, with their probabilities");
  cmd->add_option("--init", args->init, "Weights (.safetensors) from adamite train --save")
      ->required()
      ->check(non_empty_path());
  cmd->add_option("--model", args->model, "Model (default: the one the weights file names)")
      ->check(registered_model());
  cmd->add_option("--dataset", args->dataset,
                  "Dataset the model was trained on, for its classes and preprocessing (default: "
                  "the one the weights file names)");
  cmd->add_option("--whiten", args->whiten,
                  "Preprocessing the model was trained with (default: the weights file's)")
      ->check(CLI::IsMember(kWhitenChoices));
  cmd->add_option("--top", args->top, "How many classes to print per image")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("images", args->images, "Image files (png, jpg, bmp)")->required();
  cmd->callback([args, cmd] { predict(*args, *cmd); });
}

}  // namespace adamite::cli
