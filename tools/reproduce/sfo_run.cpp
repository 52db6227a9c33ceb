#include "sfo_run.hpp"

#include <chrono>
#include <iomanip>
#include <sstream>

#include "adamite/io/array_file.hpp"
#include "adamite/train/checkpoint.hpp"
#include "adamite/train/sfo_fit.hpp"
#include "experiment_data.hpp"
#include "run_training.hpp"

namespace adamite::reproduce {
namespace {
// Between checkpoints: a lost session costs at most this much of a run that takes days.
constexpr double kCheckpointSeconds = 1800.0;

// Progress and a line per pass, like the first-order runs'.
struct SfoProgress : train::FitCallbacks {
  SfoProgress(const Contender& run_contender, int64_t run_passes, HarnessProgress& harness,
              Session* run_session, bool run_resumable)
      : contender(run_contender),
        passes(run_passes),
        progress(harness),
        session(run_session),
        resumable(run_resumable) {}
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
  // As StoppableRun: a resumable run's steps count against --stop-after-steps.
  bool stop_requested() override {
    if (!session) return false;
    if (resumable && session->steps_left > 0) --session->steps_left;
    return (resumable && session->steps_left == 0) ||
           (session->stop_signal && session->stop_signal());
  }
  const Contender& contender;
  int64_t passes;
  HarnessProgress& progress;
  Session* session;
  bool resumable;
};
// The mean time of the steps of the last pass (the basis is full by then).
struct LastPassTimer : train::FitCallbacks {
  explicit LastPassTimer(int64_t last) : last_pass(last) {}
  void on_step(int64_t pass, int64_t, int64_t, double) override {
    const auto now = std::chrono::steady_clock::now();
    if (pass == last_pass && steps++ > 0)
      seconds += std::chrono::duration<double>(now - at).count();
    at = now;
  }
  double per_step() const { return steps > 1 ? seconds / double(steps - 1) : 0.0; }
  int64_t last_pass, steps = 0;
  double seconds = 0.0;
  std::chrono::steady_clock::time_point at;
};
}  // namespace

SfoEstimate estimate_sfo(const Experiment& experiment, nn::Module& model,
                         const InitialWeights& initial, const data::Dataset& train,
                         const Settings& settings, int64_t subfunctions) {
  constexpr int64_t kSmall = 10, kLarger = 20, kPasses = 3;
  const auto measure = [&](int64_t n) {
    initial.load_into(model);
    train::SfoFitSpec spec;
    spec.passes = kPasses;
    spec.batch_size = settings.batch_size;
    spec.weight_decay = experiment.weight_decay;
    spec.seed = spec.options.seed = settings.seed;
    LastPassTimer timer(kPasses);
    const data::Dataset part = random_subset(train, n * settings.batch_size, settings.seed);
    double bytes = 0.0;
    try {
      bytes = double(train::fit_sfo(model, part, nullptr, spec, &timer).state_bytes);
    } catch (const train::NonFiniteError&) {  // timed up to there
    }
    return std::pair{timer.per_step(), bytes};
  };
  const auto [small_seconds, small_bytes] = measure(kSmall);
  const auto [larger_seconds, larger_bytes] = measure(kLarger);
  initial.load_into(model);
  const double beyond = double(subfunctions - kLarger) / double(kLarger - kSmall);
  SfoEstimate estimate;
  estimate.seconds_per_step =
      std::max(larger_seconds, larger_seconds + (larger_seconds - small_seconds) * beyond);
  estimate.state_bytes =
      std::max(larger_bytes, larger_bytes + (larger_bytes - small_bytes) * beyond);
  estimate.how = "extrapolated from " + std::to_string(kSmall) + " and " + std::to_string(kLarger) +
                 " subfunctions";
  return estimate;
}

int64_t sfo_checkpoint_passes(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) return -1;
  try {
    const io::ArrayFile stored(file);
    double scalars[5];
    stored.read("fit.scalars", {5}, scalars);
    return scalars[0] >= 0 && scalars[0] < 1e15 ? int64_t(scalars[0]) : -1;  // an edited file
  } catch (const std::runtime_error&) {
    return -1;
  }
}

RunRecord run_sfo(const Experiment& experiment, const Contender& contender, nn::Module& model,
                  int64_t passes, const data::Splits& splits, const Settings& settings,
                  HarnessProgress& progress, Session* session, const Resumable* resumable) {
  RunRecord record;
  record.contender = contender;
  train::SfoFitSpec spec;
  spec.passes = passes;
  spec.batch_size = settings.batch_size;
  spec.weight_decay = experiment.weight_decay;
  spec.seed = settings.seed;
  spec.options.seed = settings.seed;
  spec.full_batch_cost = experiment.full_batch_cost;
  if (resumable) {
    const std::filesystem::path dir = resumable->store.checkpoint_dir(contender.label);
    std::filesystem::create_directories(dir);
    spec.checkpoint = train::checkpoint_file(dir);
    spec.checkpoint_seconds = kCheckpointSeconds;
    spec.identity = resumable->identity;
    if (const int64_t done = sfo_checkpoint_passes(spec.checkpoint); done >= 0)
      progress.line(contender.label + ": resuming from its checkpoint after pass " +
                    std::to_string(done));
  }
  SfoProgress callbacks(contender, passes, progress, session, resumable != nullptr);
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
    if (result.stopped)
      throw Stopped(contender.label + " stopped at step " + std::to_string(result.steps) +
                    (resumable ? " (checkpoint saved); the same command continues it"
                               : "; it starts over next time"));
    if (!result.passes.empty()) record.seconds = result.passes.back().seconds;  // every session
  } catch (const train::NonFiniteError& error) {
    record.diverged = true;  // the paper: SFO may fail on a stochastic cost; recorded, not fatal
    record.divergence = error.what();
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return record;
}

}  // namespace adamite::reproduce
