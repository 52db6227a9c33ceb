#include "sharded_step.hpp"

#include <cstring>

#include "adamite/ops/dropout.hpp"
#include "adamite/random.hpp"

namespace adamite::train::detail {
namespace {

// Rows [first, first + count) of `batch`, copied (into pooled storage: no allocation per step).
data::Batch rows_of(const data::Batch& batch, int64_t first, int64_t count) {
  Shape shape = batch.inputs.shape();
  shape[0] = count;
  data::Batch shard;
  shard.inputs = Tensor::empty(shape);
  const int64_t row = batch.inputs.numel() / batch.size();
  std::memcpy(shard.inputs.data(), batch.inputs.data() + first * row,
              sizeof(float) * static_cast<size_t>(count * row));
  shard.labels = batch.labels.subspan(static_cast<size_t>(first), static_cast<size_t>(count));
  return shard;
}

}  // namespace

ShardedStep::ShardedStep(nn::Module& model, distributed::Communicator& world, int64_t micro_batches,
                         bool rank_order)
    : model_(model),
      parameters_(model.parameters()),
      world_(world),
      micro_batches_(micro_batches),
      rank_order_(rank_order),
      buffer_(parameters_, 2) {}

ShardedStep::Result ShardedStep::run(const data::Batch& batch, const Loss& loss,
                                     bool stop_requested) {
  const int64_t rows = batch.size();
  const int64_t shards = world_.size() * micro_batches_;
  // Every shard starts from the step's generator state: dropout then draws the same streams for
  // all of them, as one pass over the whole minibatch would (DropoutRowOffset).
  const auto generator_state = default_generator().state();
  buffer_.clear();
  float local_loss = 0.0f;
  for (int64_t k = 0; k < micro_batches_; ++k) {
    const int64_t shard = world_.rank() * micro_batches_ + k;
    // Balanced contiguous ranges; a minibatch smaller than the shard count leaves some empty.
    const int64_t first = shard * rows / shards, last = (shard + 1) * rows / shards;
    default_generator().set_state(generator_state);
    if (last > first) {
      const DropoutRowOffset offset(first);
      if (k > 0)  // the caller zeroed them for the first shard
        for (const Tensor& p : parameters_)
          if (p.grad().defined()) p.grad().fill_(0.0f);
      const Tensor value = loss(model_, rows_of(batch, first, last - first));
      value.backward();
      // Each shard's mean loss weighs by its share of the minibatch: the sum is the mean of all.
      const float weight = static_cast<float>(last - first) / static_cast<float>(rows);
      local_loss += weight * value.item();
      buffer_.accumulate(weight);
    } else {
      buffer_.accumulate(0.0f);
    }
  }
  buffer_.extras()[0] = local_loss;
  buffer_.extras()[1] = stop_requested ? 1.0f : 0.0f;
  buffer_.reduce(world_, rank_order_);
  return {buffer_.extras()[0], buffer_.extras()[1] > 0.0f};
}

}  // namespace adamite::train::detail
