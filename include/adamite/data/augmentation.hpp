// Data augmentation as the DataLoader reads a batch: random crop with zero padding and horizontal
// flip, the CIFAR augmentation of He et al. (2016, §4.2: "4 pixels are padded on each side, and a
// 32×32 crop is randomly sampled from the padded image or its horizontal flip"), and cutout
// (DeVries & Taylor 2017, arXiv 1708.04552: a square of fixed side at a uniformly drawn centre,
// clipped at the borders, set to zero in the normalised image).
//
// It runs on each example's decoded values before the dataset's preprocessing (as torchvision's
// RandomCrop and RandomHorizontalFlip run before Normalize), so padding is black and the stored
// images stay bytes. Cutout runs after the preprocessing, so its zero is the mean colour when the
// inputs are standardised, as in DeVries & Taylor's code. Each example's draw is a function of
// (seed, epoch, position in the epoch) alone: the same seed gives the same batches for any thread
// count, and a resumed run the same batches as an uninterrupted one.
#pragma once

#include <cstdint>
#include <string>

#include "adamite/random.hpp"
#include "adamite/tensor.hpp"

namespace adamite::data {

struct Augmentation {
  int64_t crop_padding = 0;  // > 0: pad every side by this much, then crop back at random
  bool horizontal_flip = false;
  int64_t cutout = 0;  // > 0: the side of the square erased after preprocessing

  bool enabled() const { return crop_padding > 0 || horizontal_flip || cutout > 0; }
  // "none", "both" (= "crop:4,flip"), or a comma-separated list of "crop:P", "flip" and
  // "cutout:S", e.g. "crop:4,flip,cutout:16". Throws std::invalid_argument quoting the spec and
  // the accepted forms.
  static Augmentation parse(const std::string& spec);
  std::string describe() const;  // the spec form, "none" when off

  // Throws std::invalid_argument naming the shape unless examples are [C, H, W] images the
  // padding fits.
  void check(const Shape& example_shape) const;
  // Crops and flips one [C, H, W] example in place; `scratch` holds C·H·W floats. Returns the
  // centre of its cutout square for erase() (row · W + column), or -1 without cutout.
  int64_t apply(float* example, const Shape& example_shape, Generator& generator,
                float* scratch) const;
  // Zeroes the cutout square at `centre` in every channel (rows and columns from centre − S/2,
  // S of each, clipped at the borders); nothing when `centre` is -1.
  void erase(float* example, const Shape& example_shape, int64_t centre) const;
};

}  // namespace adamite::data
