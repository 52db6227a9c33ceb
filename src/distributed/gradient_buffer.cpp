#include "adamite/distributed/gradient_buffer.hpp"

#include <algorithm>

namespace adamite::distributed {

GradientBuffer::GradientBuffer(std::vector<Tensor> parameters, int64_t extras)
    : parameters_(std::move(parameters)) {
  for (const Tensor& p : parameters_) gradients_ += static_cast<size_t>(p.numel());
  values_.assign(gradients_ + static_cast<size_t>(extras), 0.0f);
}

void GradientBuffer::clear() {
  empty_ = true;
  std::fill(values_.begin() + static_cast<std::ptrdiff_t>(gradients_), values_.end(), 0.0f);
}

void GradientBuffer::accumulate(float weight) {
  float* out = values_.data();
  for (const Tensor& p : parameters_) {
    const Tensor grad = p.grad();
    const int64_t n = p.numel();
    // Weight 0 (an empty shard) reads nothing: its stale gradient may hold anything.
    const float* in = grad.defined() && weight != 0.0f ? grad.data() : nullptr;
    // Each element on its own: the result is the same for any thread count.
#pragma omp parallel for simd schedule(static) if (n >= (int64_t{1} << 16))
    for (int64_t i = 0; i < n; ++i) {
      const float g = in ? weight * in[i] : 0.0f;
      out[i] = empty_ ? g : out[i] + g;
    }
    out += n;
  }
  empty_ = false;
}

void GradientBuffer::reduce(Communicator& world, bool rank_order) {
  if (rank_order)
    world.sum_in_rank_order(values_);
  else
    world.sum(std::span<float>(values_));
  const float* in = values_.data();
  for (const Tensor& p : parameters_) {
    std::copy_n(in, p.numel(), p.grad_or_zeros().data());
    in += p.numel();
  }
}

}  // namespace adamite::distributed
