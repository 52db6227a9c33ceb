#include <omp.h>

#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "adamite/data/dataloader.hpp"
#include "adamite/io/safetensors.hpp"
#include "adamite/optim/averaging.hpp"
#include "adamite/optim/registry.hpp"
#include "adamite/optim/schedule.hpp"
#include "adamite/random.hpp"
#include "adamite/train/csv_log.hpp"
#include "adamite/train/fit.hpp"
#include "adamite/train/progress.hpp"
#include "commands.hpp"
#include "models/registry.hpp"

namespace adamite::cli {
namespace {

struct TrainArgs {
  std::string model = "mlp", dataset = "mnist", optimizer = "adam";
  optim::Hyperparameters hyper;
  bool no_bias_correction = false, no_shuffle = false, list_optimizers = false, centered = false;
  int64_t epochs = 10, batch_size = 128, max_steps = -1;
  uint64_t seed = 0;
  int threads = 0;
  float dropout = 0.5f, input_dropout = -1.0f;
  std::string log, save, init;
  std::string schedule = "constant", average, whiten = "auto";
  int64_t warmup = 0;
};

std::string percent(double fraction) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << 100.0 * fraction << '%';
  return out.str();
}

void list_optimizers() {
  for (const auto& entry : optim::optimizer_registry())
    std::cout << std::left << std::setw(10) << entry.name << entry.summary
              << "\n          defaults: " << entry.defaults << '\n';
}

void run_train(const TrainArgs& args) {
  if (args.list_optimizers) return list_optimizers();
  if (!args.init.empty() && !std::filesystem::exists(args.init))
    throw UsageError("--init: no such file: " + args.init);
  if (args.threads > 0) omp_set_num_threads(args.threads);

  data::Splits splits = load_named_dataset(args.dataset);
  const std::string whitening = apply_whitening(args.whiten, args.dataset, splits);
  manual_seed(args.seed);  // fixes the initial weights and the dropout masks
  models::ModelConfig config;
  config.example_shape = splits.train.example_shape();
  config.classes = splits.train.num_classes;
  config.hidden_dropout = args.dropout;
  config.input_dropout =
      args.input_dropout >= 0.0f ? args.input_dropout : (args.dropout > 0.0f ? 0.2f : 0.0f);
  auto model = models::make_model(args.model, config);
  if (!args.init.empty()) io::load_module(args.init, *model);

  optim::Hyperparameters hyper = args.hyper;
  hyper.bias_correction = !args.no_bias_correction;
  hyper.centered = args.centered;
  std::unique_ptr<optim::Optimizer> optimizer;
  try {
    optimizer = optim::make_optimizer(args.optimizer, model->parameters(), hyper);
  } catch (const std::invalid_argument& e) {  // e.g. Nesterov with --momentum 0: a usage error
    throw UsageError(e.what());
  }
  data::DataLoader loader(splits.train, args.batch_size, !args.no_shuffle, args.seed);
  std::unique_ptr<optim::Schedule> schedule;
  std::unique_ptr<optim::ParameterAverage> average;
  try {
    optim::ScheduleContext context;
    context.steps_per_epoch = loader.batches_per_epoch();
    context.total_steps = args.max_steps > 0
                              ? args.max_steps
                              : std::max<int64_t>(1, args.epochs * loader.batches_per_epoch());
    context.warmup_steps = args.warmup;
    schedule = optim::make_schedule(args.schedule, context);
    if (!args.average.empty())
      average = optim::ParameterAverage::parse(args.average, model->parameters());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }

  std::cout << "model " << args.model << " on " << args.dataset << " (" << splits.train.size()
            << " train / " << splits.test.size() << " test), optimizer " << args.optimizer
            << ", lr schedule " << schedule->describe()
            << (average ? ", evaluating " + average->describe() : std::string()) << ", whitening "
            << whitening << ", batch " << args.batch_size << ", seed " << args.seed << ", threads "
            << omp_get_max_threads() << '\n'
            << nn::summary(*model) << std::flush;

  std::unique_ptr<train::CsvLog> log;
  if (!args.log.empty()) log = std::make_unique<train::CsvLog>(args.log);
  train::ProgressBar progress;
  train::FitOptions options;
  options.epochs = args.epochs;
  options.max_steps = args.max_steps;
  options.schedule = schedule.get();
  options.average = average.get();
  options.on_step = [&](int64_t epoch, int64_t batch, int64_t batches, double loss) {
    progress.update("epoch " + std::to_string(epoch) + "/" + std::to_string(args.epochs), batch,
                    batches, loss);
  };
  options.on_epoch = [&](const train::EpochResult& r) {
    progress.clear();
    std::cout << "epoch " << r.epoch << "/" << args.epochs << "  step " << r.step << "  train_loss "
              << std::fixed << std::setprecision(4) << r.train_loss << "  test_loss " << r.test_loss
              << "  test_accuracy " << percent(r.test_accuracy) << "  " << std::setprecision(1)
              << r.seconds << "s" << std::defaultfloat << std::endl;
    if (log) log->write(r);
  };
  const auto history = train::fit(*model, *optimizer, loader, &splits.test, options);

  if (!history.empty())
    std::cout << "final test accuracy: " << percent(history.back().test_accuracy) << " ("
              << args.model << ", " << args.dataset << ", " << history.back().epoch << " epochs)\n";
  if (!args.save.empty()) {
    std::map<std::string, std::string> metadata = {{"model", args.model},
                                                   {"dataset", args.dataset},
                                                   {"optimizer", args.optimizer},
                                                   {"seed", std::to_string(args.seed)},
                                                   {"whiten", whitening}};
    if (!history.empty()) metadata["test_accuracy"] = std::to_string(history.back().test_accuracy);
    std::optional<optim::AveragedWeightsScope> averaged;  // save what was evaluated
    if (average) averaged.emplace(*average);
    io::save_module(args.save, *model, metadata);
    std::cout << "saved weights to " << args.save << '\n';
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  std::vector<std::string> model_names, optimizer_names;
  for (const auto& m : models::model_registry()) model_names.push_back(m.name);
  for (const auto& o : optim::optimizer_registry()) optimizer_names.push_back(o.name);

  auto* cmd = app.add_subcommand(
      "train", "Train a model; with no options, the paper's MLP on MNIST with Adam");
  cmd->add_option("--model", args->model, "Model")
      ->check(CLI::IsMember(model_names))
      ->capture_default_str();
  cmd->add_option("--dataset", args->dataset, "Dataset")
      ->check(CLI::IsMember(dataset_names()))
      ->capture_default_str();
  cmd->add_option("--optimizer", args->optimizer,
                  "Optimizer (--list-optimizers shows each one's defaults)")
      ->check(CLI::IsMember(optimizer_names))
      ->capture_default_str();
  cmd->add_flag("--list-optimizers", args->list_optimizers,
                "List the optimizers and their defaults, then exit");
  cmd->add_option("--lr", args->hyper.lr, "Learning rate (default: the optimizer's)")
      ->check(positive());
  cmd->add_option("--beta1", args->hyper.beta1, "Adam's beta1")->check(number_in(0.0, 1.0));
  cmd->add_option("--beta2", args->hyper.beta2, "Adam's beta2")->check(number_in(0.0, 1.0));
  cmd->add_option("--eps", args->hyper.eps, "Adam's epsilon")->check(positive());
  cmd->add_option("--momentum", args->hyper.momentum, "Momentum (SGD, RMSProp)")
      ->check(number_in(0.0, 1.0));
  cmd->add_option("--rho", args->hyper.rho,
                  "Decay of the squared-gradient average (RMSProp, AdaDelta)")
      ->check(number_in(0.0, 1.0));
  cmd->add_flag("--centered", args->centered,
                "RMSProp: normalise by the gradient's variance estimate");
  cmd->add_option("--weight-decay", args->hyper.weight_decay, "L2 penalty added to the gradient")
      ->check(non_negative());
  cmd->add_flag("--no-bias-correction", args->no_bias_correction, "Adam without bias correction");
  cmd->add_option("--epochs", args->epochs, "Passes over the training set")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "Minibatch size")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--max-steps", args->max_steps, "Stop after this many optimizer steps")
      ->check(positive());
  cmd->add_option("--seed", args->seed, "Seed for weights, dropout and data order")
      ->capture_default_str();
  cmd->add_flag("--no-shuffle", args->no_shuffle, "Keep the file order of the training set");
  cmd->add_option("--dropout", args->dropout,
                  "Hidden/fc-layer dropout of the MLP and CNN (0 turns all dropout off)")
      ->check(number_in(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--input-dropout", args->input_dropout,
                  "Input dropout of the MLP and CNN (default 0.2, or 0 with --dropout 0)")
      ->check(number_in(0.0, 1.0));
  cmd->add_option("--schedule", args->schedule,
                  std::string("Learning-rate schedule: ") + optim::kScheduleForms)
      ->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "Linear learning-rate warm-up over this many steps")
      ->check(non_negative());
  cmd->add_option(
      "--average", args->average,
      "Evaluate and save a temporal average of the weights: ema:BETA (bias-corrected) or polyak");
  cmd->add_option("--whiten", args->whiten,
                  "Input preprocessing fitted on the training set: zca, standardize, none (auto: "
                  "zca for cifar10)")
      ->check(CLI::IsMember(kWhitenChoices))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "OpenMP threads (default: all cores)")
      ->check(positive());
  cmd->add_option(
      "--log", args->log,
      "Write a CSV row per epoch: epoch,step,train_loss,test_loss,test_accuracy,seconds");
  cmd->add_option("--save", args->save, "Save the trained weights as .safetensors");
  cmd->add_option("--init", args->init, "Start from weights in a .safetensors file");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace adamite::cli
