#include "sfo_run.hpp"

#include <chrono>
#include <iomanip>
#include <sstream>

#include "adamite/train/sfo_fit.hpp"

namespace adamite::reproduce {
namespace {
// Progress and a line per pass, like the first-order runs'.
struct SfoProgress : train::FitCallbacks {
  SfoProgress(const Contender& run_contender, int64_t run_passes, HarnessProgress& harness)
      : contender(run_contender), passes(run_passes), progress(harness) {}
  void on_step(int64_t pass, int64_t evaluations, int64_t of, double loss) override {
    progress.step(pass, passes, evaluations, of, loss);
  }
  void on_epoch(const train::EpochResult& result) override {
    std::ostringstream text;
    text << contender.label << ": pass " << result.epoch << "/" << passes << " train cost "
         << std::setprecision(4) << result.train_loss << " test accuracy " << std::fixed
         << std::setprecision(2) << 100.0 * result.test_accuracy << "%";
    progress.line(text.str());
  }
  const Contender& contender;
  int64_t passes;
  HarnessProgress& progress;
};
}  // namespace

RunRecord run_sfo(const Experiment& experiment, const Contender& contender, nn::Module& model,
                  int64_t passes, const data::Splits& splits, const Settings& settings,
                  HarnessProgress& progress) {
  RunRecord record;
  record.contender = contender;
  train::SfoFitSpec spec;
  spec.passes = passes;
  spec.batch_size = settings.batch_size;
  spec.weight_decay = experiment.weight_decay;
  spec.seed = settings.seed;
  spec.options.seed = settings.seed;
  spec.full_batch_cost = experiment.full_batch_cost;
  SfoProgress callbacks(contender, passes, progress);
  const auto start = std::chrono::steady_clock::now();
  try {
    const train::SfoFitResult result =
        train::fit_sfo(model, splits.train, &splits.test, spec, &callbacks);
    record.epochs = result.passes;
    record.full_batch_costs = result.full_batch_costs;
    record.seconds_per_step = result.seconds_per_step;
    record.state_bytes = result.state_bytes;
    record.subfunctions = result.subfunctions;
    record.parameters = result.parameters;
  } catch (const train::NonFiniteError& error) {
    record.diverged = true;  // the paper: SFO may fail on a stochastic cost; recorded, not fatal
    record.divergence = error.what();
  }
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return record;
}

}  // namespace adamite::reproduce
