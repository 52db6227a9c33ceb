#include "train_sfo.hpp"

#include <omp.h>

#include <iomanip>
#include <iostream>
#include <memory>

#include "adamite/distributed/communicator.hpp"
#include "adamite/io/safetensors.hpp"
#include "adamite/train/csv_log.hpp"
#include "adamite/train/sfo_fit.hpp"
#include "commands.hpp"
#include "train_report.hpp"

namespace adamite::cli {
namespace {
struct PassPrinter : train::FitCallbacks {
  PassPrinter(int64_t total, train::CsvLog* csv) : passes(total), log(csv) {}
  void on_epoch(const train::EpochResult& r) override {
    std::cout << "pass " << r.epoch << "/" << passes << "  train loss " << std::setprecision(4)
              << r.train_loss << "  test loss " << r.test_loss << "  test accuracy "
              << percent(r.test_accuracy) << "  " << std::fixed << std::setprecision(1) << r.seconds
              << "s" << std::defaultfloat << '\n'
              << std::flush;
    if (log) log->write(r);
  }
  int64_t passes;
  train::CsvLog* log;
};
}  // namespace

std::string sfo_refusal(const nn::Module& model) {
  if (!train::has_active_dropout(model)) return "";
  return "--optimizer sfo needs a deterministic cost, and dropout makes every minibatch's cost "
         "random (SFO fails to converge on it, Kingma & Ba §6.2): add --dropout 0";
}

std::vector<train::EpochResult> train_with_sfo(nn::Module& model, const data::Splits& splits,
                                               const SfoTrainRequest& request) {
  train::SfoFitSpec spec;
  spec.passes = request.passes;
  spec.batch_size = request.batch_size;
  spec.weight_decay = request.weight_decay;
  spec.seed = request.seed;
  spec.options.seed = request.seed;
  std::unique_ptr<train::CsvLog> log;
  if (!request.log.empty()) log = std::make_unique<train::CsvLog>(request.log);
  PassPrinter printer(request.passes, log.get());
  const train::SfoFitResult result =
      train::fit_sfo(model, splits.train, &splits.test, spec, &printer);
  std::cout << "sfo: " << result.subfunctions << " subfunctions of " << request.batch_size
            << " examples, " << result.steps << " steps (" << result.rejected_steps
            << " rejected), " << std::setprecision(4) << 1e3 * result.seconds_per_step
            << " ms per step, state " << double(result.state_bytes) / 1e6 << " MB ("
            << double(result.state_bytes) / double(result.parameters) / double(result.subfunctions)
            << " bytes per parameter per subfunction)\n";
  return result.passes;
}

// SFO has no learning rate and its own loop: the options of the step-by-step loop that it would
// silently ignore are refused instead.
void check_sfo_options(const TrainArgs& args) {
  const auto refuse = [](const std::string& option) {
    throw UsageError("--optimizer sfo does not take " + option);
  };
  if (args.hyper.lr) refuse("--lr (SFO has no learning rate)");
  if (args.schedule != "constant" || args.warmup > 0) refuse("--schedule or --warmup");
  if (!args.average.empty()) refuse("--average");
  if (!args.checkpoint.empty() || !args.resume.empty()) refuse("--checkpoint or --resume");
  if (args.max_steps >= 0) refuse("--max-steps (it counts passes: --epochs)");
  if (args.micro_batches > 1 || distributed::launcher_size() > 1)
    refuse("--micro-batches or several processes");
  if (!args.plot.empty()) refuse("--plot (use --log)");
  if (args.clip_grad_norm > 0.0) refuse("--clip-grad-norm");
  if (args.augment != "none") refuse("--augment");
  if (args.label_smoothing > 0.0f) refuse("--label-smoothing");
  if (args.validation > 0) refuse("--validation");
}

// With the model built: SFO's own loop, from train_sfo.hpp.
void run_train_sfo(const TrainArgs& args, nn::Module& model, const data::Splits& splits) {
  if (const std::string refusal = sfo_refusal(model); !refusal.empty()) throw UsageError(refusal);
  std::cout << "model " << args.model << " on " << args.dataset << " (" << splits.train.size()
            << " train / " << splits.test.size() << " test), optimizer sfo, batch "
            << args.batch_size << ", seed " << args.seed << ", threads " << omp_get_max_threads()
            << '\n'
            << nn::summary(model) << std::flush;
  SfoTrainRequest request;
  request.passes = args.epochs;
  request.batch_size = args.batch_size;
  request.weight_decay = args.hyper.weight_decay.value_or(0.0);
  request.seed = args.seed;
  request.log = args.log;
  const auto history = train_with_sfo(model, splits, request);
  if (!history.empty())
    std::cout << "final test accuracy: " << percent(history.back().test_accuracy) << " ("
              << args.model << ", " << args.dataset << ", " << history.back().epoch << " passes)\n";
  if (!args.save.empty()) {
    io::save_module(args.save, model,
                    {{"model", args.model},
                     {"dataset", args.dataset},
                     {"optimizer", "sfo"},
                     {"seed", std::to_string(args.seed)}});
    std::cout << "saved weights to " << args.save << '\n';
  }
}

}  // namespace adamite::cli
