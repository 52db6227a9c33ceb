// The containers of Tensor::backward's walk over the graph, kept from one pass to the next
// (emptied, capacity kept) so that a training step in its steady state allocates nothing.
// Internal: used by autograd.cpp.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "adamite/tensor.hpp"

namespace adamite::detail {

// A set of addresses (open addressing, linear probing). clear() keeps the table, so refilling it
// to an earlier size allocates nothing.
class AddressSet {
 public:
  // True when p was not in the set yet.
  bool insert(const void* p);
  void clear();

 private:
  void grow();
  std::vector<const void*> slots_;  // nullptr marks a free slot; the size is a power of two
  size_t size_ = 0;
};

struct GraphWalk {
  std::vector<std::pair<Tensor, size_t>> stack;  // the depth-first path: tensor, next input
  std::vector<Tensor> order;                     // post-order: every tensor after its inputs
  AddressSet visited;                            // the TensorImpls already reached
};

// Lends this thread's GraphWalk for one backward pass, and empties it when the pass ends, even by
// an exception, so it keeps no tensor alive. A backward pass started inside a backward closure
// borrows another one: the outer pass's containers are left alone.
class GraphWalkLoan {
 public:
  GraphWalkLoan();
  ~GraphWalkLoan();
  GraphWalkLoan(const GraphWalkLoan&) = delete;
  GraphWalkLoan& operator=(const GraphWalkLoan&) = delete;

  GraphWalk& operator*() const { return walk_; }

 private:
  GraphWalk& walk_;
};

}  // namespace adamite::detail
