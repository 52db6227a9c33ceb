// One training step's forward and backward passes over a minibatch split into shards: this
// process's micro-batches of it, when several processes share it (data parallelism) or to bound
// memory (gradient accumulation). The gradients are then summed over all shards of every process
// with one collective, so every process applies the same optimizer step to the same weights.
#pragma once

#include <functional>

#include "adamite/data/dataloader.hpp"
#include "adamite/distributed/communicator.hpp"
#include "adamite/distributed/gradient_buffer.hpp"
#include "adamite/nn/module.hpp"

namespace adamite::train::detail {

class ShardedStep {
 public:
  using Loss = std::function<Tensor(nn::Module& model, const data::Batch& batch)>;
  ShardedStep(nn::Module& model, distributed::Communicator& world, int64_t micro_batches,
              bool rank_order);

  struct Result {
    float loss;  // the minibatch's mean loss over all shards of all processes
    bool stop;   // some process asked to stop after this step
  };
  // Leaves the summed gradient in every parameter's grad(): what one backward pass over the whole
  // minibatch gives, up to float rounding. `loss` must be a mean over the batch's examples.
  Result run(const data::Batch& batch, const Loss& loss, bool stop_requested);

 private:
  nn::Module& model_;
  std::vector<Tensor> parameters_;  // listed once: Module::parameters() allocates
  distributed::Communicator& world_;
  int64_t micro_batches_;
  bool rank_order_;
  distributed::GradientBuffer buffer_;  // extras: the loss, the stop request
};

}  // namespace adamite::train::detail
