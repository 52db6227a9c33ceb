// libFuzzer target for the image reader: read_image_folder on a folder holding one class with
// one image, whose bytes are the input (stb_image detects PNG, JPEG and BMP from the content, not
// the name). FormatError (cannot decode) and std::runtime_error are the documented outcomes;
// anything else is a finding.
#include <cstdint>
#include <filesystem>
#include <stdexcept>

#include "adamite/data/idx.hpp"
#include "adamite/data/image_folder.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto root = [] {
    const auto dir = adamite::fuzz::scratch_dir() / "images";
    std::filesystem::create_directories(dir / "class");
    return dir;
  }();
  adamite::fuzz::write_file(root / "class" / "input.png", data, size);
  try {
    const adamite::data::ImageFolder folder = adamite::data::read_image_folder(root, "fuzz");
    // A successful read: one image of 1 to 4 channels, held as bytes, read as values in [0, 1].
    const adamite::data::Dataset& dataset = folder.dataset;
    const auto& shape = dataset.pixel_shape;
    if (shape.size() != 4 || shape[0] != 1 || shape[1] < 1 || shape[1] > 4 ||
        dataset.labels.size() != 1 ||
        dataset.pixels.size() != static_cast<size_t>(adamite::numel(shape)))
      __builtin_trap();
    const adamite::Tensor values = dataset.examples();
    const float* x = values.data();
    for (int64_t i = 0; i < values.numel(); ++i)
      if (!(x[i] >= 0.0f && x[i] <= 1.0f)) __builtin_trap();
  } catch (const adamite::data::FormatError&) {
  } catch (const std::runtime_error&) {
  }
  return 0;
}
