// An in-memory labelled dataset: examples stacked along dimension 0.
//
// The examples are held one of two ways: as float values in `inputs`, or, for 8-bit images, as
// their bytes in `pixels` (4x less memory: CIFAR-10's 60,000 images take 184 MB instead of 737).
// Byte examples are decoded when they are read, as byte / 255; then `preprocess`, when set, runs
// on every example read, so preprocessing fitted on the training split (data::ZcaWhitening, ...)
// needs no float copy of the dataset. Read examples through read_rows / examples(), which work for
// both.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "adamite/tensor.hpp"

namespace adamite::data {

struct Dataset {
  std::string name;             // e.g. "mnist/train"
  Tensor inputs;                // [N, ...], e.g. [N, 1, 28, 28] with pixels in [0, 1]; or undefined
  std::vector<int32_t> labels;  // N class indices in [0, num_classes)
  int32_t num_classes = 0;
  std::vector<std::string> class_names;  // the classes' names in label order, when known
  std::vector<uint8_t> pixels;  // instead of `inputs`: the examples' bytes, shape `pixel_shape`
  Shape pixel_shape;            // [N, ...]
  // Runs in place on `count` examples just read, one after another in `values`.
  std::function<void(float* values, int64_t count)> preprocess;

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  bool holds_bytes() const { return !pixel_shape.empty(); }
  // The shape of one example: [N, ...] without the leading N.
  Shape example_shape() const;
  // Values per example.
  int64_t example_size() const { return numel(example_shape()); }

  // Writes the examples `rows` (in that order), decoded and preprocessed, one after another.
  void read_rows(std::span<const int64_t> rows, float* out) const;
  // The same without `preprocess` (a DataLoader augments in between).
  void decode_rows(std::span<const int64_t> rows, float* out) const;
  // The same for the `count` examples from `first` on.
  void read_range(int64_t first, int64_t count, float* out) const;
  // Examples [first, first + count) as a new [count, ...] tensor (count -1: to the end).
  Tensor examples(int64_t first = 0, int64_t count = -1) const;
  // Examples in `rows` order: a new dataset of the same kind (bytes stay bytes), with labels.
  Dataset select(std::span<const int64_t> rows, std::string new_name) const;
};

// The usual pair of splits.
struct Splits {
  Dataset train;
  Dataset test;
};

// A seeded random split into `first_size` examples and the rest (as torch.utils.data.random_split
// with a generator): the same seed gives the same split. Bytes stay bytes; names get "/part1",
// "/part2" added. E.g. 5,000 validation images held out of a training set.
std::pair<Dataset, Dataset> random_split(const Dataset& dataset, int64_t first_size, uint64_t seed);

}  // namespace adamite::data
