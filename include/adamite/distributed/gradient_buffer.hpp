// Every parameter's gradient in one flat buffer, with a few scalars riding along (the loss, a
// stop request), so that summing a step's gradients over processes is a single collective.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "adamite/distributed/communicator.hpp"
#include "adamite/tensor.hpp"

namespace adamite::distributed {

class GradientBuffer {
 public:
  GradientBuffer(std::vector<Tensor> parameters, int64_t extras);

  // Adds weight × each parameter's current gradient into the buffer (a parameter without one
  // counts as zeros). The first call after clear() writes instead of adding.
  void accumulate(float weight);
  void clear();
  // The scalars after the gradients: set them before reduce(), read the sums after.
  std::span<float> extras() { return {values_.data() + gradients_, values_.size() - gradients_}; }

  // Sums the buffer over the processes of `world` (in rank order when asked: bitwise
  // reproducible) and copies the summed gradients into the parameters' grad().
  void reduce(Communicator& world, bool rank_order);

  int64_t gradient_values() const { return static_cast<int64_t>(gradients_); }

 private:
  std::vector<Tensor> parameters_;
  std::vector<float> values_;  // gradients of parameters_ in order, then the extras
  size_t gradients_ = 0;
  bool empty_ = true;
};

}  // namespace adamite::distributed
