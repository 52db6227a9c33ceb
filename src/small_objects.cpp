#include "adamite/detail/small_objects.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <new>
#include <vector>

namespace adamite::detail {
namespace {

constexpr size_t kGranule = 16;
constexpr size_t kClasses = kLargestSmallObject / kGranule;
constexpr size_t kChunkBytes = 64 * 1024;

size_t size_class(size_t bytes) {
  return (std::max<size_t>(bytes, 1) + kGranule - 1) / kGranule - 1;
}

class SmallObjectPool {
 public:
  void* take(size_t bytes) {
    const size_t k = size_class(bytes);
    std::lock_guard lock(mutex_);
    if (free_[k] == nullptr) refill(k);
    FreeBlock* block = free_[k];
    free_[k] = block->next;
    return block;
  }

  void give_back(void* p, size_t bytes) {
    const size_t k = size_class(bytes);
    std::lock_guard lock(mutex_);
    free_[k] = new (p) FreeBlock{free_[k]};
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };

  // Carves a new chunk into blocks of class k. Chunks are kept for the program's life: the pool
  // grows to the most small objects ever live at once, then recycles.
  void refill(size_t k) {
    const size_t block = (k + 1) * kGranule;
    chunks_.push_back(static_cast<std::byte*>(::operator new(kChunkBytes)));
    for (size_t offset = 0; offset + block <= kChunkBytes; offset += block)
      free_[k] = new (chunks_.back() + offset) FreeBlock{free_[k]};
  }

  std::mutex mutex_;
  std::array<FreeBlock*, kClasses> free_{};
  std::vector<std::byte*> chunks_;
};

// Never destroyed: objects held by static tensors may be freed after main returns.
SmallObjectPool& pool() {
  static auto* instance = new SmallObjectPool;
  return *instance;
}

}  // namespace

void* allocate_small(size_t bytes) {
  if (bytes > kLargestSmallObject) return ::operator new(bytes);
  return pool().take(bytes);
}

void free_small(void* block, size_t bytes) noexcept {
  if (block == nullptr) return;
  if (bytes > kLargestSmallObject) return ::operator delete(block);
  pool().give_back(block, bytes);
}

}  // namespace adamite::detail
