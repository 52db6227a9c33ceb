// One run of a comparison, full or a learning-rate trial, from the comparison's common initial
// weights with the same data order and dropout stream for every optimizer. A full run checkpoints
// after every epoch and when asked to stop, and continues from its checkpoint (run_store.hpp).
#pragma once

#include <filesystem>
#include <memory>

#include "adamite/data/dataset.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/train/checkpoint.hpp"
#include "adamite/train/run.hpp"
#include "classifier_experiment.hpp"
#include "harness_progress.hpp"
#include "initial_weights.hpp"
#include "run_store.hpp"

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

// Where a full run keeps its checkpoint and curves, under which settings, and who may stop it.
struct Resumable {
  const RunStore& store;
  train::RunConfig identity;
  Session& session;
  train::Run* run = nullptr;  // set by train_run
};

// Trains the plan from `initial`; with `resumable`, continues from its checkpoint and throws
// Stopped (after checkpointing) when the session asks for a stop. A diverged run is recorded.
RunRecord train_run(const Experiment& experiment, const RunPlan& plan, const data::Splits& splits,
                    const InitialWeights& initial, const Settings& settings,
                    HarnessProgress& progress, Resumable* resumable = nullptr);

}  // namespace adamite::reproduce
