#include "adamite/detail/graph_walk.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>

namespace adamite::detail {
namespace {

// One GraphWalk per nesting level of backward passes on this thread. A deque, so lending a new
// level never moves the ones in use.
thread_local std::deque<GraphWalk> t_walks;
thread_local size_t t_walks_in_use = 0;

size_t slot_of(const void* p, size_t mask) {
  // Fibonacci hashing: the pool's 16-byte aligned addresses would crowd a few slots otherwise.
  const uint64_t h = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)) * 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(h >> 32) & mask;
}

}  // namespace

bool AddressSet::insert(const void* p) {
  if (2 * (size_ + 1) > slots_.size()) grow();  // at most half full: probes stay short
  const size_t mask = slots_.size() - 1;
  for (size_t i = slot_of(p, mask);; i = (i + 1) & mask) {
    if (slots_[i] == p) return false;
    if (slots_[i] == nullptr) {
      slots_[i] = p;
      ++size_;
      return true;
    }
  }
}

void AddressSet::clear() {
  if (size_ == 0) return;
  std::fill(slots_.begin(), slots_.end(), nullptr);
  size_ = 0;
}

void AddressSet::grow() {
  std::vector<const void*> old(std::max<size_t>(64, 2 * slots_.size()), nullptr);
  old.swap(slots_);
  size_ = 0;
  for (const void* p : old)
    if (p != nullptr) insert(p);
}

GraphWalkLoan::GraphWalkLoan()
    : walk_(t_walks_in_use < t_walks.size() ? t_walks[t_walks_in_use] : t_walks.emplace_back()) {
  ++t_walks_in_use;
}

GraphWalkLoan::~GraphWalkLoan() {
  walk_.stack.clear();
  walk_.order.clear();
  walk_.visited.clear();
  --t_walks_in_use;
}

}  // namespace adamite::detail
