#include "adamite/distributed/gradient_buffer.hpp"

#include <algorithm>
#include <stdexcept>

#include "adamite/detail/for_each_element.hpp"

namespace adamite::distributed {
namespace {

// Each gradient starts on a 64-byte line, as one allocated on its own would (the kernels' fast
// paths and their summation order may depend on it); the gaps stay zero.
int64_t aligned(int64_t floats) {
  return (floats + 15) / 16 * 16;
}

}  // namespace

GradientBuffer::GradientBuffer(std::vector<Tensor> parameters, int64_t extras,
                               int64_t shards_per_step)
    : shards_per_step_(shards_per_step) {
  if (shards_per_step < 1) throw std::invalid_argument("GradientBuffer: shards_per_step < 1");
  for (const Tensor& p : parameters) gradients_ += aligned(p.numel());
  values_ = Tensor::zeros({gradients_ + extras});
  int64_t offset = 0;
  for (const Tensor& p : parameters) {
    const Tensor view = values_.view_at(offset, p.shape());
    if (p.grad().defined()) view.copy_(p.grad());
    p.set_grad(view);
    offset += aligned(p.numel());
  }
  if (shards_per_step > 1) sum_.assign(static_cast<size_t>(gradients_), 0.0f);
}

std::span<float> GradientBuffer::extras() const {
  return {values_.data() + gradients_, static_cast<size_t>(values_.numel() - gradients_)};
}

void GradientBuffer::clear() {
  shard_ = 0;
  std::ranges::fill(extras(), 0.0f);
}

void GradientBuffer::zero_gradients() {
  std::fill_n(values_.data(), gradients_, 0.0f);
}

void GradientBuffer::add_shard(float weight) {
  const bool first = shard_ == 0, last = ++shard_ % shards_per_step_ == 0;
  float* grad = values_.data();
  float* sum = sum_.data();
  // The step's sum is built in `sum`; its last term is added where the collective reads it.
  float* out = last ? grad : sum;
  const int64_t n = gradients_;
  // Each element on its own, so the result is the same for any thread count; the product is
  // rounded before the sum (no fused multiply-add, whatever the compiler contracts).
  float* const scaled = first ? out : grad;
  detail::for_each_element(
      n, [=](int64_t i) { scaled[i] = weight != 0.0f ? weight * grad[i] : 0.0f; });
  if (first) return;
  detail::for_each_element(n, [=](int64_t i) { out[i] = sum[i] + grad[i]; });
}

void GradientBuffer::reduce(Communicator& world, bool rank_order) {
  const std::span<float> all(values_.data(), static_cast<size_t>(values_.numel()));
  if (rank_order)
    world.sum_in_rank_order(all);
  else
    world.sum(all);
}

}  // namespace adamite::distributed
