#include "adamite/data/dataset.hpp"

#include <array>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "adamite/random.hpp"

namespace adamite::data {
namespace {

const std::array<float, 256>& byte_values() {
  static const std::array<float, 256> values = [] {
    std::array<float, 256> v{};
    for (int b = 0; b < 256; ++b) v[size_t(b)] = static_cast<float>(b) / 255.0f;
    return v;
  }();
  return values;
}

}  // namespace

Shape Dataset::example_shape() const {
  const Shape& all = holds_bytes() ? pixel_shape : inputs.shape();
  if (all.empty()) return {};
  return Shape(all.begin() + 1, all.end());
}

void Dataset::read_rows(std::span<const int64_t> rows, float* out) const {
  decode_rows(rows, out);
  if (preprocess && !rows.empty()) preprocess(out, static_cast<int64_t>(rows.size()));
}

void Dataset::decode_rows(std::span<const int64_t> rows, float* out) const {
  const int64_t example = example_size();
  const auto count = static_cast<int64_t>(rows.size());
  for (int64_t i = 0; i < count; ++i) {
    const int64_t row = rows[size_t(i)];
    if (row < 0 || row >= size())
      throw std::out_of_range("dataset '" + name + "': example " + std::to_string(row) + " of " +
                              std::to_string(size()));
    float* dest = out + i * example;
    if (holds_bytes()) {
      const uint8_t* source = pixels.data() + row * example;
      const auto& value = byte_values();
      for (int64_t j = 0; j < example; ++j) dest[j] = value[source[j]];
    } else {
      std::memcpy(dest, inputs.data() + row * example, sizeof(float) * size_t(example));
    }
  }
}

void Dataset::read_range(int64_t first, int64_t count, float* out) const {
  if (first < 0 || count < 0 || first + count > size())
    throw std::out_of_range("dataset '" + name + "': examples [" + std::to_string(first) + ", " +
                            std::to_string(first + count) + ") of " + std::to_string(size()));
  if (!holds_bytes()) {  // contiguous: one copy
    std::memcpy(out, inputs.data() + first * example_size(),
                sizeof(float) * size_t(count * example_size()));
    if (preprocess && count > 0) preprocess(out, count);
    return;
  }
  // Decoded in chunks of rows so that the index list stays small.
  constexpr int64_t kChunk = 256;
  std::array<int64_t, kChunk> rows;
  for (int64_t begin = 0; begin < count; begin += kChunk) {
    const int64_t n = std::min(kChunk, count - begin);
    for (int64_t i = 0; i < n; ++i) rows[size_t(i)] = first + begin + i;
    read_rows(std::span<const int64_t>(rows.data(), size_t(n)), out + begin * example_size());
  }
}

Tensor Dataset::examples(int64_t first, int64_t count) const {
  if (count < 0) count = size() - first;
  Shape shape = example_shape();
  shape.insert(shape.begin(), count);
  Tensor result = Tensor::empty(shape);
  read_range(first, count, result.data());
  return result;
}

Dataset Dataset::select(std::span<const int64_t> rows, std::string new_name) const {
  Dataset subset;
  subset.name = std::move(new_name);
  subset.num_classes = num_classes;
  subset.class_names = class_names;
  subset.preprocess = preprocess;
  const int64_t example = example_size();
  const auto n = static_cast<int64_t>(rows.size());
  Shape shape = example_shape();
  shape.insert(shape.begin(), n);
  if (holds_bytes()) {
    subset.pixel_shape = shape;
    subset.pixels.resize(size_t(n * example));
  } else {
    subset.inputs = Tensor::empty(shape);
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = rows[size_t(i)];
    if (row < 0 || row >= size())
      throw std::out_of_range("dataset '" + name + "': example " + std::to_string(row) + " of " +
                              std::to_string(size()));
    if (holds_bytes())
      std::memcpy(subset.pixels.data() + i * example, pixels.data() + row * example,
                  size_t(example));
    else
      std::memcpy(subset.inputs.data() + i * example, inputs.data() + row * example,
                  sizeof(float) * size_t(example));
    subset.labels.push_back(labels[size_t(row)]);
  }
  return subset;
}

std::pair<Dataset, Dataset> random_split(const Dataset& dataset, int64_t first_size,
                                         uint64_t seed) {
  const int64_t n = dataset.size();
  if (first_size < 0 || first_size > n)
    throw std::invalid_argument("random_split: cannot take " + std::to_string(first_size) +
                                " examples of dataset '" + dataset.name + "', which has " +
                                std::to_string(n));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  Generator generator(seed);  // Fisher-Yates with our generator: the same split everywhere
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[generator.below(i)]);
  const std::span<const int64_t> all(order);
  const auto cut = static_cast<size_t>(first_size);
  return {dataset.select(all.first(cut), dataset.name + "/part1"),
          dataset.select(all.subspan(cut), dataset.name + "/part2")};
}

}  // namespace adamite::data
