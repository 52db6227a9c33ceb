// Datasets that hold their examples as bytes: every reader of examples (loader, evaluation,
// subsets, preprocessing) must see exactly what a float copy of the same data would give.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "adamite/data/dataloader.hpp"
#include "adamite/data/transforms.hpp"
#include "adamite/io/zca.hpp"
#include "adamite/random.hpp"
#include "support.hpp"

using namespace adamite;

namespace {
// n random 3x4x5 "images" as bytes, and the same data as floats (byte / 255).
struct Twins {
  data::Dataset bytes, floats;
};

Twins twins(int64_t n, uint64_t seed) {
  Generator gen(seed);
  Twins t;
  const Shape shape = {n, 3, 4, 5};
  t.bytes.name = "bytes";
  t.bytes.pixel_shape = shape;
  t.floats.name = "floats";
  t.floats.inputs = Tensor::empty(shape);
  for (int64_t i = 0; i < numel(shape); ++i) {
    // Channel-dependent offsets, so that standardizing and whitening have work to do.
    const auto channel = (i / 20) % 3;
    const auto b = static_cast<uint8_t>(std::min<uint64_t>(255, 40 * channel + gen.below(120)));
    t.bytes.pixels.push_back(b);
    t.floats.inputs.data()[i] = static_cast<float>(b) / 255.0f;
  }
  for (int64_t i = 0; i < n; ++i) t.bytes.labels.push_back(int32_t(gen.below(4)));
  t.floats.labels = t.bytes.labels;
  t.bytes.num_classes = t.floats.num_classes = 4;
  return t;
}

float max_difference(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  return (a.array() - b.array()).abs().maxCoeff();
}
}  // namespace

TEST_SUITE("data") {
  TEST_CASE("dataset bytes: read as byte / 255, exactly as the float copy") {
    const Twins t = twins(37, 1);
    CHECK(t.bytes.holds_bytes());
    CHECK_FALSE(t.floats.holds_bytes());
    CHECK(t.bytes.example_shape() == Shape{3, 4, 5});
    CHECK(t.bytes.example_size() == 60);
    CHECK(max_difference(t.bytes.examples(), t.floats.examples()) == 0.0f);
    CHECK(max_difference(t.bytes.examples(5, 9), t.floats.examples(5, 9)) == 0.0f);

    const std::vector<int64_t> rows = {36, 0, 17, 17};
    const data::Dataset picked = t.bytes.select(rows, "picked");
    CHECK(picked.holds_bytes());  // a subset of bytes stays bytes
    CHECK(picked.pixel_shape == Shape{4, 3, 4, 5});
    CHECK(picked.labels == std::vector<int32_t>{t.bytes.labels[36], t.bytes.labels[0],
                                                t.bytes.labels[17], t.bytes.labels[17]});
    CHECK(max_difference(picked.examples(), t.floats.select(rows, "f").examples()) == 0.0f);
    CHECK(max_difference(picked.examples(0, 1), t.floats.examples(36, 1)) == 0.0f);

    CHECK_THROWS_AS(t.bytes.examples(30, 8), std::out_of_range);
    const std::vector<int64_t> bad = {37};
    CHECK_THROWS_AS(t.bytes.select(bad, "bad"), std::out_of_range);
  }

  TEST_CASE("dataset bytes: the loader gives the float copy's shuffled batches") {
    const Twins t = twins(50, 2);
    data::DataLoader from_bytes(t.bytes, 16, true, 7), from_floats(t.floats, 16, true, 7);
    for (int64_t epoch = 0; epoch < 2; ++epoch) {
      from_bytes.start_epoch(epoch);
      from_floats.start_epoch(epoch);
      data::Batch a, b;
      int batches = 0;
      while (from_bytes.next(a)) {
        REQUIRE(from_floats.next(b));
        CHECK(max_difference(a.inputs, b.inputs) == 0.0f);
        CHECK(std::equal(a.labels.begin(), a.labels.end(), b.labels.begin(), b.labels.end()));
        ++batches;
      }
      CHECK_FALSE(from_floats.next(b));
      CHECK(batches == 4);  // 16 + 16 + 16 + 2
    }
  }

  // The adversarial run: --batch-size 10000000 reserved batch x 784 floats whatever the dataset's
  // size; 2^40 rows would not fit in any memory.
  TEST_CASE("dataset bytes: a batch size above the dataset's size reserves only the dataset") {
    const Twins t = twins(10, 3);
    data::DataLoader loader(t.bytes, int64_t{1} << 40, true, 7);
    CHECK(loader.batches_per_epoch() == 1);
    data::Batch batch;
    REQUIRE(loader.next(batch));
    CHECK(batch.inputs.shape() == Shape{10, 3, 4, 5});
    CHECK_FALSE(loader.next(batch));
  }

  TEST_CASE("dataset bytes: too few bytes for the shape is an error naming the dataset") {
    Twins t = twins(10, 3);
    t.bytes.pixels.pop_back();
    try {
      data::DataLoader loader(t.bytes, 4);
      FAIL("no error");
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      CHECK(message.find("'bytes'") != std::string::npos);
      CHECK(message.find("599 bytes") != std::string::npos);
      CHECK(message.find("[10, 3, 4, 5]") != std::string::npos);
    }
  }

  TEST_CASE("dataset bytes: standardizing and ZCA run per batch and match the float copy") {
    Twins t = twins(400, 4);
    data::Dataset test_bytes = t.bytes.select(std::vector<int64_t>{3, 1, 4, 1, 5}, "test");
    const auto standardizer = data::ChannelStandardizer::fit(t.bytes);
    const auto on_floats = data::ChannelStandardizer::fit(t.floats);
    CHECK(standardizer.mean == on_floats.mean);
    CHECK(standardizer.stddev == on_floats.stddev);

    const auto zca = data::ZcaWhitening::fit(t.bytes, 1e-2);
    const auto zca_floats = data::ZcaWhitening::fit(t.floats, 1e-2);
    CHECK(max_difference(zca.matrix, zca_floats.matrix) == 0.0f);

    // Bytes: added to the dataset's preprocessing; the bytes themselves are left as they are.
    const std::vector<uint8_t> before = t.bytes.pixels;
    standardizer.apply(t.bytes);
    zca.apply(t.bytes);
    standardizer.apply(test_bytes);
    zca.apply(test_bytes);
    CHECK(t.bytes.pixels == before);
    REQUIRE(static_cast<bool>(t.bytes.preprocess));
    // Floats: changed in place, once.
    standardizer.apply(t.floats);
    zca.apply(t.floats);
    CHECK_FALSE(static_cast<bool>(t.floats.preprocess));

    CHECK(max_difference(t.bytes.examples(), t.floats.inputs) < 1e-5f);
    // The loader's batches are preprocessed too, whichever rows they hold.
    data::DataLoader loader(t.bytes, 64, true, 1);
    data::Batch batch;
    REQUIRE(loader.next(batch));
    const std::vector<int64_t> rows(loader.order().begin(), loader.order().begin() + 64);
    CHECK(max_difference(batch.inputs, t.floats.select(rows, "f").examples()) < 1e-5f);
    // And so is the test split, with the transforms fitted on the training split.
    CHECK(max_difference(test_bytes.examples(0, 1), t.floats.examples(3, 1)) < 1e-5f);
  }

  TEST_CASE("dataset bytes: the ZCA cache fitted on floats is found for the same data as bytes") {
    testing::TempDir dir;
    const Twins t = twins(300, 5);
    io::fit_or_load_zca(t.floats, dir.path(), 1e-2);
    io::fit_or_load_zca(t.bytes, dir.path(), 1e-2);
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
      ++files;
    CHECK(files == 1);
  }

  TEST_CASE("dataset bytes: a transform fitted on another shape is refused") {
    Twins t = twins(20, 6);
    const auto zca = data::ZcaWhitening::fit(Tensor::full({4, 7}, 0.5f));
    CHECK_THROWS_WITH_AS(zca.apply(t.bytes), doctest::Contains("'bytes' of [20, 3, 4, 5]"),
                         std::invalid_argument);
    data::ChannelStandardizer two_channels{{0.0f, 0.0f}, {1.0f, 1.0f}};
    CHECK_THROWS_AS(two_channels.apply(t.bytes), std::invalid_argument);
  }
}
