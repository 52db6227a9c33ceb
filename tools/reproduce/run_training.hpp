// One run of a comparison, full or a learning-rate trial, from the comparison's common initial
// weights with the same data order and dropout stream for every optimizer. A full run checkpoints
// after every epoch and when asked to stop, and continues from its checkpoint (run_store.hpp);
// Figure 4's runs share that through StoppableRun.
#pragma once

#include <filesystem>
#include <memory>

#include "adamite/data/dataset.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/train/checkpoint.hpp"
#include "adamite/train/run.hpp"
#include "experiment.hpp"
#include "harness_progress.hpp"
#include "initial_weights.hpp"
#include "run_store.hpp"
#include "session.hpp"

namespace adamite::reproduce {

std::shared_ptr<nn::Module> build_model(const Experiment& experiment, const data::Dataset& train,
                                        bool dropout);

struct RunPlan {
  const Contender* contender = nullptr;
  double lr = 0.0;
  int64_t epochs = 1;
  int64_t max_steps = -1;       // trials stop early
  bool evaluate = true;         // trials skip the test set
  int64_t iteration_steps = 0;  // record per-iteration costs for this many steps
};

// Where a full run keeps its checkpoint and curves, and under which settings.
struct Resumable {
  const RunStore& store;
  train::RunConfig identity;
};

// What every run of the harness shares: the session's stop signal ends it (a learning-rate trial
// too); a resumable run also counts its steps against --stop-after-steps, checkpoints after every
// epoch and when it stops (its curves beside), and continues from its checkpoint.
struct StoppableRun : train::FitCallbacks {
  StoppableRun(RunRecord& run_record, Session* run_session, const Resumable* run_resumable)
      : record(run_record), session(run_session), resumable(run_resumable) {}
  void on_position(const train::TrainingPosition& next, bool epoch_end) override;
  bool stop_requested() override;
  // Continues `training` from the run's checkpoint when there is one of these settings, with the
  // epochs its curves hold; returns the wall time it had trained (0 when it starts afresh).
  double resume(train::Run& training, HarnessProgress& progress, train::TrainingPosition& start);
  // Throws Stopped when the run stopped on request (a diverged run stops by itself).
  void throw_if_stopped(int64_t step) const;

  RunRecord& record;
  Session* session;
  const Resumable* resumable;
  train::Run* run = nullptr;  // set by resume()
  bool stopping = false;
};

// Trains the plan from `initial`; stops when `session` asks (throwing Stopped); with `resumable`,
// continues from its checkpoint and checkpoints before it stops. A diverged run is recorded.
RunRecord train_run(const Experiment& experiment, const RunPlan& plan, const data::Splits& splits,
                    const InitialWeights& initial, const Settings& settings,
                    HarnessProgress& progress, Session* session = nullptr,
                    const Resumable* resumable = nullptr);

}  // namespace adamite::reproduce
