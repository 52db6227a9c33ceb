// Random crop with padding, horizontal flip and cutout (data/augmentation.hpp), checked against
// the definitions done the long way (pad, crop, mirror; a square clipped at the borders), and as
// the DataLoader applies them.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <vector>

#include "adamite/adamite.hpp"
#include "support.hpp"

using namespace adamite;

namespace {
using Image = std::vector<float>;  // [C, H, W]

// torchvision's order written out: zero-pad by p, take the h×w window at (top, left), mirror it.
Image crop_then_flip(const Image& image, int64_t c, int64_t h, int64_t w, int64_t p, int64_t top,
                     int64_t left, bool flip) {
  const int64_t ph = h + 2 * p, pw = w + 2 * p;
  Image padded(size_t(c * ph * pw), 0.0f);
  for (int64_t k = 0; k < c; ++k)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        padded[size_t((k * ph + y + p) * pw + x + p)] = image[size_t((k * h + y) * w + x)];
  Image out(image.size());
  for (int64_t k = 0; k < c; ++k)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const int64_t from_x = flip ? w - 1 - x : x;
        out[size_t((k * h + y) * w + x)] = padded[size_t((k * ph + top + y) * pw + left + from_x)];
      }
  return out;
}

data::Dataset numbered_images(int64_t n, bool bytes) {
  data::Dataset set;
  set.name = "images";
  set.num_classes = 2;
  if (bytes) {
    set.pixel_shape = {n, 1, 4, 4};
    for (int64_t i = 0; i < n * 16; ++i) set.pixels.push_back(uint8_t(1 + i % 250));
  } else {
    set.inputs = Tensor::empty({n, 1, 4, 4});
    for (int64_t i = 0; i < n * 16; ++i) set.inputs.data()[i] = float(1 + i);
  }
  for (int64_t i = 0; i < n; ++i) set.labels.push_back(int32_t(i % 2));
  return set;
}

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("augmentation: specs parse, print back, and bad ones are refused with the forms") {
    const auto a = data::Augmentation::parse("crop:4,flip");
    CHECK(a.crop_padding == 4);
    CHECK(a.horizontal_flip);
    CHECK(a.describe() == "crop:4,flip");
    CHECK(data::Augmentation::parse("flip").describe() == "flip");
    CHECK(data::Augmentation::parse("both").describe() == "crop:4,flip");  // as --help says
    CHECK_FALSE(data::Augmentation::parse("none").enabled());
    const auto c = data::Augmentation::parse("cutout:16,crop:4,flip");
    CHECK(c.cutout == 16);
    CHECK(c.describe() == "crop:4,flip,cutout:16");
    CHECK(data::Augmentation::parse("cutout:8").enabled());
    for (const char* bad :
         {"crop", "crop:0", "crop:-2", "crop:4x", "flip,flip", "rotate", "crop:4,", "both,flip",
          "cutout", "cutout:0", "cutout:65", "cutout:8,cutout:8", "cutout:1.5"})
      CHECK_THROWS_WITH(data::Augmentation::parse(bad), doctest::Contains("crop:4,flip"));
    CHECK_THROWS_WITH(data::Augmentation::parse("crop:3").check({784}), doctest::Contains("[784]"));
  }

  TEST_CASE(
      "augmentation: each output is one of the padded image's crops or their mirrors, and "
      "every one of them is drawn") {
    const int64_t c = 2, h = 3, w = 4, p = 1;
    Image image(size_t(c * h * w));
    for (size_t i = 0; i < image.size(); ++i) image[i] = float(i + 1);
    std::vector<Image> candidates;
    for (int64_t top = 0; top <= 2 * p; ++top)
      for (int64_t left = 0; left <= 2 * p; ++left)
        for (const bool flip : {false, true})
          candidates.push_back(crop_then_flip(image, c, h, w, p, top, left, flip));
    const auto augmentation = data::Augmentation::parse("crop:1,flip");
    std::set<size_t> drawn;
    Image scratch(image.size());
    for (uint64_t seed = 0; seed < 400; ++seed) {
      Image out = image;
      Generator generator(seed);
      augmentation.apply(out.data(), {c, h, w}, generator, scratch.data());
      size_t match = candidates.size();
      for (size_t k = 0; k < candidates.size(); ++k)
        if (candidates[k] == out) match = k;
      REQUIRE_MESSAGE(match < candidates.size(), "seed " << seed << " gave no crop or mirror");
      drawn.insert(match);
    }
    CHECK(drawn.size() == candidates.size());  // all 18 = 3 × 3 offsets × 2
  }

  TEST_CASE(
      "augmentation in the DataLoader: seeded, new each epoch, the same after a resume, "
      "before preprocessing, bytes kept") {
    for (const bool bytes : {false, true}) {
      CAPTURE(bytes);
      const data::Dataset set = numbered_images(10, bytes);
      const auto augmentation = data::Augmentation::parse("crop:2,flip");
      data::DataLoader plain(set, 4, true, 7), a(set, 4, true, 7), b(set, 4, true, 7);
      a.set_augmentation(augmentation);
      b.set_augmentation(augmentation);
      const std::vector<float> first = testing::read_epoch(a);
      CHECK(first == testing::read_epoch(b));  // same seed, same draws
      CHECK(first != testing::read_epoch(plain));
      CHECK(testing::read_epoch(a) != first);  // epoch 2 draws anew
      // A loader resumed at epoch 0's second batch reads what the first read there.
      data::DataLoader resumed(set, 4, true, 7);
      resumed.set_augmentation(augmentation);
      resumed.start_epoch(0);
      resumed.skip(1);
      std::vector<float> rest = testing::read_epoch(resumed);
      CHECK(rest == std::vector<float>(first.begin() + 4 * 16, first.end()));
      // Padding is black before preprocessing: with x ↦ x + 100 every value is ≥ 100.
      data::Dataset shifted = numbered_images(10, bytes);
      shifted.preprocess = [](float* values, int64_t count) {
        for (int64_t i = 0; i < count * 16; ++i) values[i] += 100.0f;
      };
      data::DataLoader d(shifted, 10, true, 7);
      d.set_augmentation(augmentation);
      const std::vector<float> values = testing::read_epoch(d);
      int64_t padding = 0;
      for (const float v : values) padding += v == 100.0f;
      CHECK(padding > 0);
      for (const float v : values) CHECK(v >= 100.0f);
    }
  }

  TEST_CASE("augmentation: cutout zeroes an SxS square in every channel, clipped at the borders") {
    const int64_t c = 2, h = 5, w = 6;
    const Shape shape{c, h, w};
    const auto cutout = data::Augmentation::parse("cutout:3");
    // Centre (2, 3): rows 1..3, columns 2..4; centre (0, 5): rows 0..1, columns 4..5 (clipped).
    for (const auto& [cy, cx, rows, columns] :
         {std::tuple{2, 3, std::pair{1, 3}, std::pair{2, 4}},
          std::tuple{0, 5, std::pair{0, 1}, std::pair{4, 5}}}) {
      Image image(size_t(c * h * w), 7.0f);
      cutout.erase(image.data(), shape, cy * w + cx);
      for (int64_t k = 0; k < c; ++k)
        for (int64_t y = 0; y < h; ++y)
          for (int64_t x = 0; x < w; ++x) {
            const bool inside =
                y >= rows.first && y <= rows.second && x >= columns.first && x <= columns.second;
            CHECK(image[size_t((k * h + y) * w + x)] == (inside ? 0.0f : 7.0f));
          }
    }
    Image untouched(size_t(c * h * w), 7.0f);
    cutout.erase(untouched.data(), shape, -1);
    CHECK(untouched == Image(size_t(c * h * w), 7.0f));
    // An even side S covers S rows and columns from centre - S/2 (DeVries & Taylor's y ± S/2).
    Image even(size_t(c * h * w), 7.0f);
    data::Augmentation::parse("cutout:2").erase(even.data(), shape, 2 * w + 3);
    CHECK(std::count(even.begin(), even.end(), 0.0f) == 2 * 4);
    CHECK(even[size_t(1 * w + 2)] == 0.0f);
    CHECK(even[size_t(2 * w + 3)] == 0.0f);
    CHECK(even[size_t(3 * w + 3)] == 7.0f);
  }

  TEST_CASE("augmentation: cutout leaves the crops and flips as they were, and centres anywhere") {
    const int64_t c = 1, h = 4, w = 4;
    Image image(size_t(c * h * w));
    for (size_t i = 0; i < image.size(); ++i) image[i] = float(i + 1);
    Image scratch(image.size());
    const auto plain = data::Augmentation::parse("crop:1,flip");
    const auto with_cutout = data::Augmentation::parse("crop:1,flip,cutout:2");
    std::set<int64_t> centres;
    for (uint64_t seed = 0; seed < 300; ++seed) {
      Image a = image, b = image;
      Generator ga(seed), gb(seed);
      CHECK(plain.apply(a.data(), {c, h, w}, ga, scratch.data()) == -1);
      const int64_t centre = with_cutout.apply(b.data(), {c, h, w}, gb, scratch.data());
      CHECK(a == b);
      REQUIRE(centre >= 0);
      REQUIRE(centre < h * w);
      centres.insert(centre);
    }
    CHECK(centres.size() == size_t(h * w));
  }

  TEST_CASE("augmentation: the DataLoader erases after preprocessing, the same after a resume") {
    for (const bool bytes : {false, true}) {
      CAPTURE(bytes);
      data::Dataset set = numbered_images(10, bytes);
      set.preprocess = [](float* values, int64_t count) {
        for (int64_t i = 0; i < count * 16; ++i) values[i] += 100.0f;
      };
      const auto augmentation = data::Augmentation::parse("crop:1,flip,cutout:2");
      data::DataLoader a(set, 4, true, 7), b(set, 4, true, 7);
      a.set_augmentation(augmentation);
      b.set_augmentation(augmentation);
      const std::vector<float> first = testing::read_epoch(a);
      CHECK(first == testing::read_epoch(b));
      // Every example: between 1 and 4 exact zeros (a 2x2 square, clipped), nothing else below
      // the preprocessed range: the square was erased after the + 100, not before.
      for (size_t e = 0; e < 10; ++e) {
        const auto begin = first.begin() + std::ptrdiff_t(e * 16), end = begin + 16;
        const auto zeros = std::count(begin, end, 0.0f);
        CHECK(zeros >= 1);
        CHECK(zeros <= 4);
        CHECK(std::all_of(begin, end, [](float v) { return v == 0.0f || v >= 100.0f; }));
      }
      data::DataLoader resumed(set, 4, true, 7);
      resumed.set_augmentation(augmentation);
      resumed.start_epoch(0);
      resumed.skip(1);
      CHECK(testing::read_epoch(resumed) ==
            std::vector<float>(first.begin() + 4 * 16, first.end()));
    }
  }
}
