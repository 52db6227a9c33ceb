// Data augmentation as the DataLoader reads a batch: random crop with zero padding and horizontal
// flip, the CIFAR augmentation of He et al. (2016, §4.2: "4 pixels are padded on each side, and a
// 32×32 crop is randomly sampled from the padded image or its horizontal flip").
//
// It runs on each example's decoded values before the dataset's preprocessing (as torchvision's
// RandomCrop and RandomHorizontalFlip run before Normalize), so padding is black and the stored
// images stay bytes. Each example's draw is a function of (seed, epoch, position in the epoch)
// alone: the same seed gives the same batches for any thread count, and a resumed run the same
// batches as an uninterrupted one.
#pragma once

#include <cstdint>
#include <string>

#include "adamite/random.hpp"
#include "adamite/tensor.hpp"

namespace adamite::data {

struct Augmentation {
  int64_t crop_padding = 0;  // > 0: pad every side by this much, then crop back at random
  bool horizontal_flip = false;

  bool enabled() const { return crop_padding > 0 || horizontal_flip; }
  // "none", "both" (= "crop:4,flip"), or a comma-separated list of "crop:P" and "flip", e.g.
  // "crop:2,flip". Throws
  // std::invalid_argument quoting the spec and the accepted forms.
  static Augmentation parse(const std::string& spec);
  std::string describe() const;  // the spec form, "none" when off

  // Throws std::invalid_argument naming the shape unless examples are [C, H, W] images the
  // padding fits.
  void check(const Shape& example_shape) const;
  // Augments one [C, H, W] example in place; `scratch` holds C·H·W floats.
  void apply(float* example, const Shape& example_shape, Generator& generator,
             float* scratch) const;
};

}  // namespace adamite::data
