// Small synthetic images written to files (PNG, BMP or JPEG by extension) for the tests of the
// image readers and of adamite predict.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

// The test's own image writer, static so it exports nothing that could meet the library's
// stb_image (which is static too).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace adamite::testing {

namespace fs = std::filesystem;

// Pixel (c, y, x) of synthetic image `seed`.
inline uint8_t pixel(int seed, int c, int y, int x) {
  return static_cast<uint8_t>((seed * 37 + c * 91 + y * 13 + x * 7) % 256);
}

// Interleaved (HWC) bytes of a w x h image with `channels` channels.
inline std::vector<uint8_t> image_bytes(int seed, int w, int h, int channels) {
  std::vector<uint8_t> bytes;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) bytes.push_back(pixel(seed, c, y, x));
  return bytes;
}

// Writes interleaved (HWC) `bytes` of a w x h image as the file's extension says.
inline void write_pixels(const fs::path& file, const std::vector<uint8_t>& bytes, int w, int h,
                         int channels) {
  fs::create_directories(file.parent_path());
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  int ok = 0;
  if (ext == ".png")
    ok = stbi_write_png(file.c_str(), w, h, channels, bytes.data(), w * channels);
  else if (ext == ".bmp")
    ok = stbi_write_bmp(file.c_str(), w, h, channels, bytes.data());
  else
    ok = stbi_write_jpg(file.c_str(), w, h, channels, bytes.data(), 100);
  REQUIRE(ok != 0);
}

inline void write_image(const fs::path& file, int seed, int w = 4, int h = 3, int channels = 3) {
  write_pixels(file, image_bytes(seed, w, h, channels), w, h, channels);
}

// A folder of `per_class` w x h RGB PNGs per class under root/<class>/, class k's images bright
// in channel k (mod 3) and dark elsewhere, with some noise: a task a linear model learns at once.
inline void write_colour_classes(const fs::path& root, const std::vector<std::string>& classes,
                                 int per_class, int w = 8, int h = 8) {
  for (size_t k = 0; k < classes.size(); ++k)
    for (int i = 0; i < per_class; ++i) {
      std::vector<uint8_t> bytes;
      for (int p = 0; p < w * h * 3; ++p)
        bytes.push_back(static_cast<uint8_t>((p % 3 == int(k % 3) ? 180 : 40) +
                                             pixel(i + int(k) * per_class, 0, p / w, p % w) % 50));
      write_pixels(root / classes[k] / ("img" + std::to_string(i) + ".png"), bytes, w, h, 3);
    }
}

}  // namespace adamite::testing
