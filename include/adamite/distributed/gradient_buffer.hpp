// Every parameter's gradient as a view into one flat buffer, with a few scalars riding along (the
// loss, a stop request), so that summing a step's gradients over processes is a single collective
// on the buffer itself: nothing is copied in before it or out after it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "adamite/distributed/communicator.hpp"
#include "adamite/tensor.hpp"

namespace adamite::distributed {

class GradientBuffer {
 public:
  // From here on each parameter's grad() is a view into the buffer (values kept, zeros where
  // there were none). A step sums `shards_per_step` weighted shard gradients; with more than one,
  // a second buffer holds the running sum while the next shard's backward pass fills grad().
  GradientBuffer(std::vector<Tensor> parameters, int64_t extras, int64_t shards_per_step);

  // Starts a step: the extras become zeros.
  void clear();
  // Zeroes every gradient, for a shard's backward pass to accumulate into.
  void zero_gradients();
  // Adds weight × the gradients of the shard just run to the step's sum (weight 0, an empty
  // shard, reads nothing: its gradients may hold anything). After the step's last shard the sum
  // is in every parameter's grad().
  void add_shard(float weight);
  // The scalars after the gradients: set them before reduce(), read the sums after.
  std::span<float> extras() const;

  // Sums the buffer, gradients and extras, over the processes of `world` (in rank order when
  // asked: bitwise reproducible).
  void reduce(Communicator& world, bool rank_order);

 private:
  Tensor values_;           // gradients of the parameters in order (each on a 64-byte line), extras
  int64_t gradients_ = 0;   // how many of values_ are gradients (and the zero gaps between them)
  std::vector<float> sum_;  // the running sum of a step's shards but its last
  int64_t shards_per_step_;
  int64_t shard_ = 0;  // shards added this step
};

}  // namespace adamite::distributed
