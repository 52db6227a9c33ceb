// The tensor layer's pool of freed storage blocks, seen from above: layers that know when a phase
// with other tensor sizes begins (train::fit, between training and evaluation) may empty it.
#pragma once

namespace adamite::detail {

// Returns every cached block to the system (e.g. after training, before a memory-heavy phase).
void release_cached_storage();

}  // namespace adamite::detail
