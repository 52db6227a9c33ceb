#include <omp.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "adamite/distributed/communicator.hpp"
#include "adamite/io/atomic_file.hpp"
#include "adamite/io/safetensors.hpp"
#include "adamite/optim/registry.hpp"
#include "adamite/precision.hpp"
#include "adamite/random.hpp"
#include "adamite/train/averaged_model.hpp"
#include "adamite/train/checkpoint_lock.hpp"
#include "adamite/train/run.hpp"
#include "commands.hpp"
#include "models/registry.hpp"
#include "resume_settings.hpp"
#include "stop_signals.hpp"
#include "train_args.hpp"
#include "train_report.hpp"
#include "train_sfo.hpp"

namespace adamite::cli {
namespace {

std::string exact(std::optional<double> value) {
  if (!value) return "default";
  std::ostringstream text;
  text << std::setprecision(17) << *value;
  return text.str();
}

// As a person wrote it: 0.1, not exact()'s 0.10000000149011612.
std::string readable(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// What makes two runs the same run: resuming with any of these changed is refused. The number of
// epochs may grow (train longer), unless the schedule depends on the run's length.
train::RunConfig run_config(const TrainArgs& args, float input_dropout, int64_t total_steps) {
  train::RunConfig config = {
      {"model", args.model},
      {"dataset", args.dataset},
      {"whiten", args.whiten},
      {"optimizer", args.optimizer},
      {"lr", exact(args.hyper.lr)},
      {"beta1", exact(args.hyper.beta1)},
      {"beta2", exact(args.hyper.beta2)},
      {"eps", exact(args.hyper.eps)},
      {"momentum", exact(args.hyper.momentum)},
      {"rho", exact(args.hyper.rho)},
      {"weight_decay", exact(args.hyper.weight_decay)},
      {"bias_correction", args.no_bias_correction ? "off" : "on"},
      {"centered", args.centered ? "on" : "off"},
      {"batch_size", std::to_string(args.batch_size)},
      {"seed", std::to_string(args.seed)},
      {"shuffle", args.no_shuffle ? "off" : "on"},
      {"dropout", exact(args.dropout)},
      {"input_dropout", exact(input_dropout)},
      {"schedule", args.schedule},
      {"warmup", std::to_string(args.warmup)},
      {"average", args.average.empty() ? "none" : args.average},
  };
  if (args.schedule == "cosine") config["schedule_steps"] = std::to_string(total_steps);
  // Only when on, so that checkpoints written before the option existed still resume.
  if (args.clip_grad_norm > 0.0) config["clip_grad_norm"] = exact(args.clip_grad_norm);
  if (args.augment != "none") config["augment"] = args.augment;
  if (args.label_smoothing > 0.0f) config["label_smoothing"] = exact(args.label_smoothing);
  if (args.validation > 0) config["validation"] = std::to_string(args.validation);
  if (args.early_stop > 0) config["early_stop"] = std::to_string(args.early_stop);
  // bf16 products round differently: a run may not change precision halfway.
  if (args.precision != "fp32") config["precision"] = args.precision;
  return config;
}

// --checkpoint-every: "epoch" (0) or a number of steps.
int64_t checkpoint_steps(const std::string& every) {
  if (every == "epoch") return 0;
  size_t used = 0;
  long long steps = 0;
  try {
    steps = std::stoll(every, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != every.size() || steps <= 0)
    throw UsageError("--checkpoint-every: expected 'epoch' or a positive number of steps, got '" +
                     every + "'");
  return steps;
}

void list_optimizers() {
  for (const auto& entry : optim::optimizer_registry())
    std::cout << std::left << std::setw(10) << entry.name << entry.summary
              << "\n          defaults: " << entry.defaults << '\n';
  std::cout << std::left << std::setw(10) << "sfo"
            << "Sum-of-Functions Optimizer (Sohl-Dickstein et al. 2014), a quasi-Newton method "
               "over the minibatches; deterministic costs only (--dropout 0)\n          "
               "defaults: no learning rate; docs/optimizers.md lists its options\n";
}

train::RunSpec run_spec(const TrainArgs& args) {
  train::RunSpec spec;
  spec.optimizer = args.optimizer;
  spec.hyper = args.hyper;
  spec.hyper.bias_correction = !args.no_bias_correction;
  spec.hyper.centered = args.centered;
  spec.epochs = args.epochs;
  spec.max_steps = args.max_steps;
  spec.batch_size = args.batch_size;
  spec.shuffle = !args.no_shuffle;
  spec.seed = args.seed;
  spec.schedule = args.schedule;
  spec.warmup = args.warmup;
  spec.clip_grad_norm = args.clip_grad_norm;
  spec.augment = args.augment;
  spec.average = args.average;
  spec.checkpoint_every = checkpoint_steps(args.checkpoint_every);
  return spec;
}

void save_weights(const TrainArgs& args, train::Run& run, nn::Module& model,
                  const std::string& whitening, const std::vector<std::string>& class_names,
                  const std::vector<train::EpochResult>& history) {
  std::map<std::string, std::string> metadata = {{"model", args.model},
                                                 {"dataset", args.dataset},
                                                 {"optimizer", args.optimizer},
                                                 {"seed", std::to_string(args.seed)},
                                                 {"whiten", whitening}};
  if (!history.empty()) metadata["test_accuracy"] = std::to_string(history.back().test_accuracy);
  // For adamite predict, which prints them.
  if (!class_names.empty()) metadata["class_names"] = nlohmann::json(class_names).dump();
  std::optional<train::AveragedModelScope> averaged;  // save what was evaluated
  if (run.average()) averaged.emplace(model, *run.average(), run.loader());
  try {
    io::save_module(args.save, model, metadata);
  } catch (const io::SafetensorsError& e) {
    // The path passed check_outputs, yet failed after training (a full disk, a folder removed):
    // keep the trained weights where a write can still succeed, and say where.
    const std::filesystem::path fallback =
        std::filesystem::temp_directory_path() /
        ("adamite-weights-" + std::to_string(::getpid()) + ".safetensors");
    io::save_module(fallback, model, metadata);
    throw std::runtime_error(std::string(e.what()) + "; the trained weights are saved in " +
                             fallback.string() + " instead");
  }
  std::cout << "saved weights to " << args.save << '\n';
}

// Every file the run will write is tried before the first step, so that a typo in a path costs
// seconds, not the training (an unwritable --save used to fail only after the last epoch).
void check_outputs(const TrainArgs& args, const std::string& checkpoint_dir) {
  auto check = [](const char* option, const std::filesystem::path& file) {
    try {
      io::check_can_write(file);
    } catch (const io::AtomicWriteError& e) {
      throw UsageError(std::string(option) + ": " + e.what());
    }
  };
  // Two outputs on one path would overwrite each other (--save and --log alike left the weights
  // where the log had been; --save into the checkpoint's file made it unresumable).
  std::vector<std::pair<std::string, std::filesystem::path>> outputs;
  if (!args.save.empty()) outputs.emplace_back("--save", args.save);
  if (!args.plot.empty()) outputs.emplace_back("--plot", args.plot);
  if (!args.log.empty()) outputs.emplace_back("--log", args.log);
  if (!checkpoint_dir.empty())
    outputs.emplace_back("--checkpoint", train::checkpoint_file(checkpoint_dir));
  const auto where = [](const std::filesystem::path& file) {
    return std::filesystem::weakly_canonical(std::filesystem::absolute(file));
  };
  for (size_t i = 0; i < outputs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (where(outputs[i].second) == where(outputs[j].second))
        throw UsageError(outputs[j].first + " and " + outputs[i].first + " name the same file, " +
                         outputs[i].second.string() + ": each needs its own");
  if (!args.save.empty()) check("--save", args.save);
  if (!args.plot.empty()) check("--plot", args.plot);
  if (!args.log.empty()) check("--log", args.log);
  if (checkpoint_dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(checkpoint_dir, ec);
  if (ec || !std::filesystem::is_directory(checkpoint_dir))
    throw UsageError("--checkpoint: " + checkpoint_dir + " is not a folder and cannot be made one" +
                     (ec ? " (" + ec.message() + ")" : std::string()));
  check("--checkpoint", train::checkpoint_file(checkpoint_dir));
}

// --validation N: N training examples drawn with the run's seed, held out before any
// preprocessing is fitted.
std::optional<data::Dataset> hold_out(const TrainArgs& args, data::Splits& splits) {
  if (args.validation == 0) return std::nullopt;
  if (args.validation >= splits.train.size())
    throw UsageError("--validation " + std::to_string(args.validation) + ": the training set of " +
                     args.dataset + " has only " + std::to_string(splits.train.size()) +
                     " examples");
  auto [held, rest] = data::random_split(splits.train, args.validation, args.seed);
  splits.train = std::move(rest);
  return std::move(held);
}

void run_train(TrainArgs args, const CLI::App& cmd) {
  if (args.list_optimizers) return list_optimizers();
  if (!args.resume.empty() && !std::filesystem::exists(train::checkpoint_file(args.resume)))
    throw UsageError("--resume: no checkpoint in " + args.resume);
  // A resume continues the run its checkpoint was asked for, with the options given overriding.
  train::RunConfig settings =
      args.resume.empty() ? given_settings(cmd) : resume_settings(cmd, args.resume, args);
  settings.emplace("epochs", std::to_string(args.epochs));  // the run's length, even by default
  args.dataset = absolute_dataset_name(args.dataset);       // as the weights and checkpoint name it
  const bool sfo = args.optimizer == "sfo";
  if (sfo) check_sfo_options(args);
  if (args.early_stop > 0 && args.validation == 0)
    throw UsageError("--early-stop needs a validation set: give --validation N as well");
  // Never decided on the test set: the plateau is one of the validation loss.
  if (args.schedule.starts_with("plateau:") && args.validation == 0)
    throw UsageError("--schedule " + args.schedule +
                     " follows the validation loss: give --validation N as well");
  if (!args.init.empty() && !std::filesystem::exists(args.init))
    throw UsageError("--init: no such file: " + args.init);
  if (args.threads > 0) omp_set_num_threads(args.threads);
  const MixedPrecision precision(parse_precision(args.precision));  // the whole run, evaluation too
  const train::RunSpec spec = sfo ? train::RunSpec{} : run_spec(args);
  // A resumed run goes on checkpointing where it resumed from, unless told otherwise.
  const std::string checkpoint_dir = args.checkpoint.empty() ? args.resume : args.checkpoint;
  if (args.mpi_timeout > 0.0) distributed::set_collective_timeout(args.mpi_timeout);
  // Under mpirun/srun: data-parallel over all processes; only rank 0 prints, logs and saves.
  distributed::Communicator& world = distributed::world();
  const bool root = world.is_root();
  std::optional<train::CheckpointLock> lock;  // held until training ends
  try {
    if (root) check_outputs(args, checkpoint_dir);
    if (root && !checkpoint_dir.empty()) lock.emplace(checkpoint_dir);
  } catch (const std::exception& e) {
    // Rank 0 alone found it: as an error of one process it also stops the others.
    if (world.size() > 1) throw std::runtime_error(e.what());
    throw UsageError(e.what());
  }

  const int64_t shards = world.size() * args.micro_batches;
  if (args.batch_size < shards)
    throw UsageError("--batch-size " + std::to_string(args.batch_size) + " is smaller than " +
                     std::to_string(world.size()) + " processes x " +
                     std::to_string(args.micro_batches) + " micro-batches");

  // Rank 0 first: it fetches what is missing while the others wait, so no two write one file.
  if (!root) world.barrier();
  data::Splits splits = load_named_dataset(args.dataset);
  if (root) world.barrier();
  std::optional<data::Dataset> validation = hold_out(args, splits);
  const std::string whitening =
      apply_whitening(args.whiten, args.dataset, splits, validation ? &*validation : nullptr);
  manual_seed(args.seed);  // fixes the initial weights and the dropout masks
  models::ModelConfig config;
  config.example_shape = splits.train.example_shape();
  config.classes = splits.train.num_classes;
  config.hidden_dropout = args.dropout;
  config.input_dropout =
      args.input_dropout >= 0.0f ? args.input_dropout : (args.dropout > 0.0f ? 0.2f : 0.0f);
  auto model = models::make_model(args.model, config);
  if (!args.init.empty()) io::load_module(args.init, *model);
  if (sfo) return run_train_sfo(args, *model, splits);
  std::optional<train::Run> run;
  try {
    run.emplace(spec, *model, splits.train);
  } catch (const std::invalid_argument& e) {  // e.g. Nesterov with --momentum 0: a usage error
    throw UsageError(e.what());
  }

  std::cout << "model " << args.model
            << (args.init.empty() ? std::string() : " (starting from " + args.init + ")") << " on "
            << args.dataset << " (" << splits.train.size() << " train / "
            << (validation ? std::to_string(validation->size()) + " validation / " : "")
            << splits.test.size() << " test), optimizer " << args.optimizer << ", lr schedule "
            << run->describe_schedule()
            << (run->average() ? ", evaluating " + run->average()->describe() : std::string())
            << ", whitening " << whitening
            << (args.augment != "none" ? ", augmentation " + args.augment : std::string())
            << (args.label_smoothing > 0.0f ? ", label smoothing " + readable(args.label_smoothing)
                                            : std::string())
            << ", batch " << args.batch_size << ", seed " << args.seed << ", threads "
            << omp_get_max_threads() << ", products in " << args.precision << " ("
            << hardware_line() << ")\n";
  if (shards > 1)
    std::cout << "data parallel: " << world.describe() << " x " << args.micro_batches
              << " micro-batches, " << args.batch_size / shards
              << (args.batch_size % shards ? "+" : "") << " examples per shard, gradients summed "
              << (args.rank_order_reduce ? "in rank order" : "by MPI_Allreduce") << '\n';
  std::cout << nn::summary(*model) << std::flush;

  const train::RunConfig identity = run_config(args, config.input_dropout, run->total_steps());
  train::FitOptions options = run->fit_options();
  if (!args.resume.empty()) {
    try {
      options.start = run->resume(args.resume, identity);
    } catch (const train::CheckpointError& e) {  // another run's checkpoint: a usage error
      throw UsageError(e.what());
    }
    std::cout << "resuming from " << args.resume << " at epoch " << options.start.epoch + 1
              << ", step " << run->optimizer().step_count() << '\n';
  }

  // A resumed run adds to its log once an epoch has ended (before that, its log was never
  // written), and its plot starts with the log's earlier rows.
  const bool continues_log = !args.resume.empty() && options.start.epoch > 0;
  std::unique_ptr<CurvePlot> plot;
  if (!args.plot.empty() && root) {
    plot = std::make_unique<CurvePlot>(
        args.plot, curve_title(args.model, args.dataset, args.optimizer, args.hyper.lr));
    if (continues_log && !args.log.empty()) plot->set_earlier(read_csv_log(args.log));
  }
  std::unique_ptr<train::CsvLog> log;
  if (!args.log.empty() && root)
    log = std::make_unique<train::CsvLog>(args.log, continues_log, validation.has_value());
  options.validation = validation ? &*validation : nullptr;
  options.early_stop_patience = args.early_stop;
  options.world = &world;
  options.micro_batches = args.micro_batches;
  options.rank_order_reduce = args.rank_order_reduce;
  const StopOnSignal stop_on_signal;
  TrainReport report(*run, world, log.get(), plot.get(), checkpoint_dir, identity, settings);
  // With a validation set, --save holds the weights of the best epoch so far, written as soon as
  // it is known (so a resumed run that never beats it keeps them too).
  int64_t best_epoch = options.start.best_epoch;
  if (validation && !args.save.empty() && root)
    report.on_best = [&](const train::EpochResult& result) {
      save_weights(args, *run, *model, whitening, splits.train.class_names, {result});
      best_epoch = result.epoch;
    };
  report.label_smoothing = args.label_smoothing;
  options.callbacks = &report;
  const auto history = run->fit(&splits.test, options);
  if (plot) plot->write();
  report.print_throughput(*model);
  if (report.stopped()) {
    report.clear_progress();
    // A process the signal did not reach stops with its peers, as if sent SIGTERM.
    const bool interrupt = stop_signal() == SIGINT;
    std::string message = std::string(interrupt ? "SIGINT" : "SIGTERM") + ": stopped after step " +
                          std::to_string(run->optimizer().step_count());
    message += checkpoint_dir.empty()
                   ? "; nothing saved (no --checkpoint given)"
                   : "; checkpoint saved in " + checkpoint_dir + "; resume with --resume " +
                         checkpoint_dir + " (the other options are stored in the checkpoint)";
    throw Interrupted(message, interrupt ? 130 : 143);
  }

  if (!history.empty())
    std::cout << "final test accuracy: " << percent(history.back().test_accuracy) << " ("
              << args.model << ", " << args.dataset << ", " << history.back().epoch << " epochs)\n";
  if (plot) std::cout << "plotted the learning curves in " << args.plot << '\n';
  if (validation) {
    const bool early = !history.empty() && args.early_stop > 0 &&
                       history.back().epoch < args.epochs &&
                       (args.max_steps < 0 || history.back().step < args.max_steps);
    if (early)
      std::cout << "early stop: no lower validation loss in the " << args.early_stop
                << " epochs after epoch " << best_epoch << '\n';
    if (!args.save.empty() && root)
      std::cout << "the weights in " << args.save << " are those of epoch " << best_epoch
                << ", the lowest validation loss\n";
  } else if (!args.save.empty() && root) {
    save_weights(args, *run, *model, whitening, splits.train.class_names, history);
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand(
      "train", "Train a model; with no options, the paper's MLP on MNIST with Adam");
  add_train_options(cmd, *args);
  cmd->callback([args, cmd] { run_train(*args, *cmd); });
}

}  // namespace adamite::cli
