// One training step's forward and backward passes, the one way fit runs them. Alone on whole
// minibatches, that is loss.backward(). When several processes share every minibatch (data
// parallelism) or it is cut into micro-batches to bound memory (gradient accumulation), each
// process runs its shards one after another and the gradients are summed over all shards of every
// process with one collective, so every process applies the same optimizer step to the same
// weights: what one pass over the whole minibatch gives, up to float rounding.
#pragma once

#include "adamite/data/dataloader.hpp"
#include "adamite/distributed/communicator.hpp"
#include "adamite/distributed/gradient_buffer.hpp"
#include "adamite/nn/dropout.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/train/fit.hpp"

namespace adamite::train::detail {

class TrainingStep {
 public:
  TrainingStep(nn::Module& model, distributed::Communicator& world, int64_t micro_batches,
               bool rank_order);

  struct Result {
    float loss;  // the minibatch's mean loss over all shards of all processes
    bool stop;   // some process asked to stop after this step
  };
  // Zeroes the gradients and leaves the minibatch's in every parameter's grad(). A non-finite
  // loss is returned as it is; alone, its gradient is then not computed (fit stops there).
  Result run(const data::Batch& batch, FitCallbacks& callbacks);

 private:
  Result run_alone(const data::Batch& batch, FitCallbacks& callbacks);
  void zero_gradients();
  void set_first_row(int64_t row);

  nn::Module& model_;
  std::vector<Tensor> parameters_;      // listed once: Module::parameters() allocates
  std::vector<nn::Dropout*> dropouts_;  // told which rows of the minibatch each shard holds
  distributed::Communicator& world_;
  int64_t micro_batches_;
  bool rank_order_;
  distributed::GradientBuffer buffer_;  // extras: the loss, the stop request
};

}  // namespace adamite::train::detail
