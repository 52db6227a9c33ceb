#include "training_step.hpp"

#include <cmath>
#include <cstring>

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

void collect_dropouts(nn::Module& module, std::vector<nn::Dropout*>& out) {
  if (auto* dropout = dynamic_cast<nn::Dropout*>(&module)) out.push_back(dropout);
  for (const auto& [name, child] : module.children()) collect_dropouts(*child, out);
}

}  // namespace

TrainingStep::TrainingStep(nn::Module& model, distributed::Communicator& world,
                           int64_t micro_batches, bool rank_order)
    : model_(model),
      parameters_(model.parameters()),
      world_(world),
      micro_batches_(micro_batches),
      rank_order_(rank_order),
      // Sharded, the gradients live in one flat buffer that the collective sums in place.
      buffer_(world.size() * micro_batches > 1 ? parameters_ : std::vector<Tensor>{}, 2,
              micro_batches) {
  collect_dropouts(model, dropouts_);
}

void TrainingStep::set_first_row(int64_t row) {
  for (nn::Dropout* dropout : dropouts_) dropout->set_first_row(row);
}

// Dropped rather than zeroed (Optimizer::zero_grad(true)): the backward pass then writes each
// gradient without a zeroing pass first. The sharded path keeps its gradients in buffer_.
void TrainingStep::zero_gradients() {
  for (const Tensor& p : parameters_) p.set_grad(Tensor());
}

TrainingStep::Result TrainingStep::run_alone(const data::Batch& batch, FitCallbacks& callbacks) {
  zero_gradients();
  const Tensor loss = callbacks.loss(model_, batch);
  const float value = loss.item();
  if (std::isfinite(value)) loss.backward();
  return {value, callbacks.stop_requested()};
}

TrainingStep::Result TrainingStep::run(const data::Batch& batch, FitCallbacks& callbacks) {
  const int64_t shards = world_.size() * micro_batches_;
  if (shards == 1) return run_alone(batch, callbacks);  // nothing to split nor to sum
  const int64_t rows = batch.size();
  // Every shard starts from the step's generator state: dropout then draws the same streams for
  // all of them, as one pass over the whole minibatch would (told their first row,
  // ops/dropout.hpp).
  const auto generator_state = default_generator().state();
  buffer_.clear();
  float local_loss = 0.0f;
  for (int64_t k = 0; k < micro_batches_; ++k) {
    const int64_t shard = world_.rank() * micro_batches_ + k;
    // Balanced contiguous ranges; a minibatch smaller than the shard count leaves some empty.
    const int64_t first = shard * rows / shards, last = (shard + 1) * rows / shards;
    default_generator().set_state(generator_state);
    if (last > first) {
      set_first_row(first);
      buffer_.zero_gradients();
      const Tensor value = callbacks.loss(model_, rows_of(batch, first, last - first));
      value.backward();
      // Each shard's mean loss weighs by its share of the minibatch: the sum is the mean of all.
      const float weight = static_cast<float>(last - first) / static_cast<float>(rows);
      local_loss += weight * value.item();
      buffer_.add_shard(weight);
    } else {
      buffer_.add_shard(0.0f);
    }
  }
  set_first_row(0);
  buffer_.extras()[0] = local_loss;
  buffer_.extras()[1] = callbacks.stop_requested() ? 1.0f : 0.0f;
  buffer_.reduce(world_, rank_order_);
  return {buffer_.extras()[0], buffer_.extras()[1] > 0.0f};
}

}  // namespace adamite::train::detail
