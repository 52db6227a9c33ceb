#include "adamite/detail/storage_pool.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "adamite/detail/small_objects.hpp"

namespace adamite::detail {
namespace {

class StoragePool {
 public:
  float* take(size_t bytes) {
    {
      std::lock_guard lock(mutex_);
      stats_.live_bytes += bytes;
      auto found = free_.find(bytes);
      if (found != free_.end() && !found->second.empty()) {
        float* block = found->second.back();
        found->second.pop_back();
        stats_.cached_bytes -= bytes;
        ++stats_.hits;
        return block;
      }
      ++stats_.misses;
      // Live plus cached memory stays under twice the most ever live at once: blocks of sizes no
      // longer asked for (a larger evaluation batch, an earlier model) make room for new ones.
      // (Exactly the peak is too tight: a step frees and asks for different sizes in turn, and
      // evicting what a later op of the same step needs again would miss on every step.)
      stats_.peak_live_bytes = std::max(stats_.peak_live_bytes, stats_.live_bytes);
      evict_locked(2 * stats_.peak_live_bytes - stats_.live_bytes);
    }
    void* block = std::aligned_alloc(64, bytes);
    if (block == nullptr) {  // the cached blocks may be what stands in the way
      release();
      block = std::aligned_alloc(64, bytes);
      if (block == nullptr) {
        std::lock_guard lock(mutex_);
        stats_.live_bytes -= bytes;
        throw std::bad_alloc();
      }
    }
    return static_cast<float*>(block);
  }

  void give_back(float* block, size_t bytes) {
    std::lock_guard lock(mutex_);
    // The list's capacity is kept from earlier steps, so this push allocates only while warming up.
    free_[bytes].push_back(block);
    stats_.cached_bytes += bytes;
    stats_.live_bytes -= bytes;
  }

  void release() {
    std::lock_guard lock(mutex_);
    evict_locked(0);
  }

  StoragePoolStats stats() {
    std::lock_guard lock(mutex_);
    return stats_;
  }

  ~StoragePool() { release(); }

 private:
  // Frees cached blocks until at most `keep` bytes stay cached.
  void evict_locked(size_t keep) {
    for (auto& [bytes, blocks] : free_)
      while (stats_.cached_bytes > keep && !blocks.empty()) {
        std::free(blocks.back());
        blocks.pop_back();
        stats_.cached_bytes -= bytes;
      }
  }

  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<float*>> free_;  // by exact size in bytes
  StoragePoolStats stats_;
};

std::atomic<bool> poison{false};  // poison_new_storage

// Never destroyed: tensors held by static objects may be freed after this translation unit's
// statics are gone.
StoragePool& pool() {
  static auto* instance = new StoragePool;
  return *instance;
}

}  // namespace

std::shared_ptr<float[]> allocate_storage(int64_t count) {
  const size_t bytes =
      (static_cast<size_t>(std::max<int64_t>(count, 1)) * sizeof(float) + 63) / 64 * 64;
  float* block = pool().take(bytes);
  if (poison.load(std::memory_order_relaxed))
    std::fill_n(block, bytes / sizeof(float), std::numeric_limits<float>::quiet_NaN());
  // The control block comes from the small-object pool, so this allocates nothing once warm.
  return std::shared_ptr<float[]>(
      block, [bytes](float* freed) { pool().give_back(freed, bytes); }, PoolAllocator<float>{});
}

void poison_new_storage(bool on) {
  poison.store(on, std::memory_order_relaxed);
}

StoragePoolStats storage_pool_stats() {
  return pool().stats();
}

void release_cached_storage() {
  pool().release();
}

}  // namespace adamite::detail
