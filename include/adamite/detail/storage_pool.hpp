// Tensor storage comes from a pool (the tensor layer's; ops borrow from it for saved indices) that
// keeps freed blocks for reuse. A training step allocates the same sizes every time; without the
// pool each large block went back to the kernel on free and came back as fresh zeroed pages on the
// next step (page faults were ~10% of a CNN step).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace adamite::detail {

// 64-byte aligned, uninitialised storage for `count` floats (at least one).
std::shared_ptr<float[]> allocate_storage(int64_t count);

// The same pooled memory seen as int32 values (indices saved for a backward pass).
inline std::shared_ptr<int32_t[]> allocate_index_storage(int64_t count) {
  static_assert(sizeof(int32_t) == sizeof(float));
  std::shared_ptr<float[]> block = allocate_storage(count);
  int32_t* indices = reinterpret_cast<int32_t*>(block.get());
  return std::shared_ptr<int32_t[]>(std::move(block), indices);  // aliasing: shares the block
}

// Returns every cached block to the system. Layers that know when a phase with other tensor sizes
// begins (train::fit, between training and evaluation) call it so the two never add up.
void release_cached_storage();

// For tests: while on, every block handed out is filled with NaNs first, so an op that leaves part
// of its output (or a fresh gradient) unwritten shows NaNs instead of whatever a recycled block
// held.
void poison_new_storage(bool on);

struct StoragePoolStats {
  size_t live_bytes = 0;       // held by tensors now
  size_t peak_live_bytes = 0;  // the most ever held at once; live + cached stay under 2x
  size_t cached_bytes = 0;     // free blocks kept for reuse
  size_t hits = 0;             // allocations served from the pool
  size_t misses = 0;           // allocations that went to the system
};
StoragePoolStats storage_pool_stats();

}  // namespace adamite::detail
