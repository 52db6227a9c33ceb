#include "train_sfo.hpp"

#include <iomanip>
#include <iostream>
#include <memory>

#include "adamite/train/csv_log.hpp"
#include "adamite/train/sfo_fit.hpp"
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

}  // namespace adamite::cli
