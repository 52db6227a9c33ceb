// Memory for the small objects every op creates (tensor handles' records, graph nodes, backward
// closures): recycled through free lists by size class, so a training step in its steady state
// allocates nothing from the heap. Internal: used by Tensor and the autograd graph.
#pragma once

#include <cstddef>

namespace adamite::detail {

// 16-byte aligned. Objects up to kLargestSmallObject bytes come from the free lists; larger ones
// go to operator new.
inline constexpr size_t kLargestSmallObject = 512;
void* allocate_small(size_t bytes);
void free_small(void* block, size_t bytes) noexcept;

// For std::allocate_shared and containers.
template <class T>
struct PoolAllocator {
  static_assert(alignof(T) <= 16, "the small-object pool gives 16-byte alignment");
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) {}  // NOLINT: rebinding, as allocators do
  T* allocate(size_t n) { return static_cast<T*>(allocate_small(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { free_small(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const {
    return true;
  }
};

}  // namespace adamite::detail
