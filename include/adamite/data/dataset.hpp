// An in-memory labelled dataset: examples stacked along dimension 0 of one tensor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adamite/tensor.hpp"

namespace adamite::data {

struct Dataset {
  std::string name;             // e.g. "mnist/train"
  Tensor inputs;                // [N, ...], e.g. [N, 1, 28, 28] with pixels in [0, 1]
  std::vector<int32_t> labels;  // N class indices in [0, num_classes)
  int32_t num_classes = 0;

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  // The shape of one example: inputs' shape without the leading N.
  Shape example_shape() const { return Shape(inputs.shape().begin() + 1, inputs.shape().end()); }
};

// The usual pair of splits.
struct Splits {
  Dataset train;
  Dataset test;
};

}  // namespace adamite::data
