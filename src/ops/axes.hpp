// Internal to src/ops: a tensor seen as [outer, size, inner] around one of its dimensions, the
// walk of every op that works along a dimension (reductions, softmax, concat, narrow).
#pragma once

#include <stdexcept>
#include <string>

#include "adamite/tensor.hpp"

namespace adamite::detail {

struct Axes {
  int64_t outer = 1, size = 1, inner = 1;
  // Element (o, k, i) of the [outer, size, inner] view.
  int64_t at(int64_t o, int64_t k, int64_t i) const { return (o * size + k) * inner + i; }
};

// `dim` counted from the end when negative; throws naming the op and the shape when out of range.
inline int64_t checked_dim(const char* op, const Shape& shape, int64_t dim) {
  const auto rank = static_cast<int64_t>(shape.size());
  const int64_t d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank)
    throw std::invalid_argument(std::string(op) + ": dimension " + std::to_string(dim) +
                                " is out of range for shape " + to_string(shape));
  return d;
}

inline Axes axes_around(const Shape& shape, int64_t d) {
  Axes a;
  for (int64_t k = 0; k < static_cast<int64_t>(shape.size()); ++k) {
    if (k < d) a.outer *= shape[k];
    if (k == d) a.size = shape[k];
    if (k > d) a.inner *= shape[k];
  }
  return a;
}

}  // namespace adamite::detail
