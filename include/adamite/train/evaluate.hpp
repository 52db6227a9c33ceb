// Evaluation: mean cross-entropy and accuracy of a classifier over a whole dataset.
#pragma once

#include "adamite/data/dataset.hpp"
#include "adamite/nn/module.hpp"

namespace adamite::distributed {
class Communicator;
}

namespace adamite::train {

struct Evaluation {
  double loss = 0.0;      // mean cross-entropy per example
  double accuracy = 0.0;  // fraction of examples whose arg-max logit is the label
  int64_t examples = 0;
};

// Batches of 256: as fast as larger ones (the products are large enough either way) while the
// paper CNN's first activation stays at 67 MB rather than 262 MB at 1000.
inline constexpr int64_t kEvaluationBatch = 256;

// Runs in evaluation mode without recording a graph; restores the module's previous mode. With
// `world`, each process evaluates its contiguous share of the examples and every process returns
// the totals (the same numbers as one process alone, up to the order of the sums).
Evaluation evaluate(nn::Module& model, const data::Dataset& dataset,
                    int64_t batch_size = kEvaluationBatch,
                    distributed::Communicator* world = nullptr);

}  // namespace adamite::train
