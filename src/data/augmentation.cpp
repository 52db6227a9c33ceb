#include "adamite/data/augmentation.hpp"

#include <cstring>
#include <sstream>
#include <stdexcept>

namespace adamite::data {

Augmentation Augmentation::parse(const std::string& spec) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument(
        "augmentation '" + spec + "': " + why +
        " (accepted: none, both (crop:4,flip), or a comma-separated list of "
        "crop:P and flip, e.g. crop:2,flip)");
  };
  Augmentation result;
  if (spec == "none" || spec.empty()) return result;
  if (spec == "both") return parse("crop:4,flip");  // He et al.'s CIFAR augmentation
  if (spec.back() == ',') throw bad("empty part");
  std::stringstream parts(spec);
  std::string part;
  while (std::getline(parts, part, ',')) {
    if (part.empty()) throw bad("empty part");
    if (part == "flip") {
      if (result.horizontal_flip) throw bad("flip given twice");
      result.horizontal_flip = true;
    } else if (part.rfind("crop:", 0) == 0) {
      if (result.crop_padding > 0) throw bad("crop given twice");
      size_t used = 0;
      int64_t padding = 0;
      try {
        padding = std::stoll(part.substr(5), &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != part.size() - 5 || padding < 1 || padding > 64)
        throw bad("crop padding must be a whole number of pixels in [1, 64]");
      result.crop_padding = padding;
    } else {
      throw bad("unknown part '" + part + "'");
    }
  }
  return result;
}

std::string Augmentation::describe() const {
  if (!enabled()) return "none";
  std::string spec = crop_padding > 0 ? "crop:" + std::to_string(crop_padding) : "";
  if (horizontal_flip) spec += spec.empty() ? "flip" : ",flip";
  return spec;
}

void Augmentation::check(const Shape& example_shape) const {
  if (!enabled()) return;
  if (example_shape.size() != 3)
    throw std::invalid_argument("augmentation " + describe() +
                                " needs [channels, height, width] images, the examples are " +
                                to_string(example_shape));
}

void Augmentation::apply(float* example, const Shape& shape, Generator& generator,
                         float* scratch) const {
  const int64_t channels = shape[0], height = shape[1], width = shape[2];
  // Draws in a fixed order, whether or not a part is on, so that turning flip on or off does
  // not change the crops.
  const auto dy = static_cast<int64_t>(generator.below(uint64_t(2 * crop_padding + 1)));
  const auto dx = static_cast<int64_t>(generator.below(uint64_t(2 * crop_padding + 1)));
  const bool flip = horizontal_flip && generator.below(2) == 1;
  const int64_t shift_y = dy - crop_padding, shift_x = dx - crop_padding;
  if (shift_y == 0 && shift_x == 0 && !flip) return;
  const auto plane = size_t(height * width);
  std::memcpy(scratch, example, sizeof(float) * plane * size_t(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const float* source = scratch + size_t(c) * plane;
    float* out = example + size_t(c) * plane;
    for (int64_t y = 0; y < height; ++y) {
      const int64_t sy = y + shift_y;  // the padded image's row, in the original's coordinates
      for (int64_t x = 0; x < width; ++x) {
        // The flip mirrors the crop's output, as torchvision's flip of the cropped image does.
        const int64_t sx = (flip ? width - 1 - x : x) + shift_x;
        const bool inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
        out[y * width + x] = inside ? source[sy * width + sx] : 0.0f;
      }
    }
  }
}

}  // namespace adamite::data
