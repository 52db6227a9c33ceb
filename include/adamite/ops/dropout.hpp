// Inverted dropout: in training each element is zeroed with probability p and the survivors
// scaled by 1/(1-p), so evaluation (identity) needs no rescaling.
#pragma once

#include <cstdint>

#include "adamite/random.hpp"
#include "adamite/tensor.hpp"

namespace adamite {

// Masks are numbered by an element's place in the whole minibatch. A forward pass over rows
// [first_row, ...) of a minibatch split into shards (micro-batches, data-parallel processes) says
// so here; started from the same generator state as the other shards (train::fit restores it),
// each shard is then masked exactly as those rows of the whole minibatch are, however the
// minibatch was split.
Tensor dropout(const Tensor& x, float p, bool training, Generator& generator = default_generator(),
               int64_t first_row = 0);

}  // namespace adamite
