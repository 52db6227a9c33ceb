// The tensor-storage pool: a freed block is reused for the next request of its size, and the
// pool never holds more (live + cached) than twice the most memory ever live at once.
#include <doctest/doctest.h>

#include "adamite/detail/storage_pool.hpp"

using namespace adamite::detail;

TEST_CASE("storage pool: reuse by size, bounded by the peak of live memory, release") {
  release_cached_storage();
  float* first = nullptr;
  {
    const auto block = allocate_storage(1 << 20);  // 4 MiB
    first = block.get();
    CHECK(reinterpret_cast<uintptr_t>(first) % 64 == 0);
  }
  const size_t hits = storage_pool_stats().hits;
  {
    const auto again = allocate_storage(1 << 20);
    CHECK(again.get() == first);  // the freed block came back
    CHECK(storage_pool_stats().hits == hits + 1);
  }
  // Freed blocks are given up when other sizes need the room: never more than twice the peak.
  for (int64_t size : {1 << 19, 3 << 18, 1 << 18, 5 << 17, 7 << 17, 9 << 16, 11 << 16}) {
    const auto block = allocate_storage(size);
    const StoragePoolStats s = storage_pool_stats();
    CHECK(s.live_bytes + s.cached_bytes <= 2 * s.peak_live_bytes);
  }
  CHECK(storage_pool_stats().cached_bytes > 0);
  release_cached_storage();
  CHECK(storage_pool_stats().cached_bytes == 0);
}
