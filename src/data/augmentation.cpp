#include "adamite/data/augmentation.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace adamite::data {

Augmentation Augmentation::parse(const std::string& spec) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument(
        "augmentation '" + spec + "': " + why +
        " (accepted: none, both (crop:4,flip), or a comma-separated list of "
        "crop:P, flip and cutout:S, e.g. crop:4,flip,cutout:16)");
  };
  const auto pixels = [&](const std::string& number, const std::string& what) {
    size_t used = 0;
    int64_t value = 0;
    try {
      value = std::stoll(number, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != number.size() || value < 1 || value > 64)
      throw bad(what + " must be a whole number of pixels in [1, 64]");
    return value;
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
      result.crop_padding = pixels(part.substr(5), "crop padding");
    } else if (part.rfind("cutout:", 0) == 0) {
      if (result.cutout > 0) throw bad("cutout given twice");
      result.cutout = pixels(part.substr(7), "cutout side");
    } else {
      throw bad("unknown part '" + part + "'");
    }
  }
  return result;
}

std::string Augmentation::describe() const {
  if (!enabled()) return "none";
  std::string spec = crop_padding > 0 ? "crop:" + std::to_string(crop_padding) : "";
  const auto add = [&](const std::string& part) { spec += spec.empty() ? part : "," + part; };
  if (horizontal_flip) add("flip");
  if (cutout > 0) add("cutout:" + std::to_string(cutout));
  return spec;
}

void Augmentation::check(const Shape& example_shape) const {
  if (!enabled()) return;
  if (example_shape.size() != 3)
    throw std::invalid_argument("augmentation " + describe() +
                                " needs [channels, height, width] images, the examples are " +
                                to_string(example_shape));
}

int64_t Augmentation::apply(float* example, const Shape& shape, Generator& generator,
                            float* scratch) const {
  const int64_t channels = shape[0], height = shape[1], width = shape[2];
  // Draws in a fixed order, whether or not a part is on, so that turning flip on or off does
  // not change the crops; cutout draws last, so that adding it changes neither.
  const auto dy = static_cast<int64_t>(generator.below(uint64_t(2 * crop_padding + 1)));
  const auto dx = static_cast<int64_t>(generator.below(uint64_t(2 * crop_padding + 1)));
  const bool flip = horizontal_flip && generator.below(2) == 1;
  const int64_t centre =
      cutout > 0 ? static_cast<int64_t>(generator.below(uint64_t(height * width))) : -1;
  const int64_t shift_y = dy - crop_padding, shift_x = dx - crop_padding;
  if (shift_y == 0 && shift_x == 0 && !flip) return centre;
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
  return centre;
}

void Augmentation::erase(float* example, const Shape& shape, int64_t centre) const {
  if (centre < 0) return;
  const int64_t channels = shape[0], height = shape[1], width = shape[2];
  const int64_t top = centre / width - cutout / 2, left = centre % width - cutout / 2;
  const int64_t y0 = std::max<int64_t>(top, 0), y1 = std::min(top + cutout, height);
  const int64_t x0 = std::max<int64_t>(left, 0), x1 = std::min(left + cutout, width);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = y0; y < y1; ++y)
      std::fill(example + (c * height + y) * width + x0, example + (c * height + y) * width + x1,
                0.0f);
}

}  // namespace adamite::data
