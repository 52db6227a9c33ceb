// The image-folder reader: small PNG/BMP/JPEG trees written here for labels, order, pixels and
// every error; then the mirror's CIFAR-10 JPEG tree (never skipped) for counts and ranges, and its
// pixels against the real official records in cifar-10-binary-prefix/.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "adamite/data/cifar10.hpp"
#include "adamite/data/idx.hpp"
#include "adamite/data/image_folder.hpp"
#include "image_support.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace adamite;
using adamite::testing::image_bytes;
using adamite::testing::pixel;
using adamite::testing::TempDir;
using adamite::testing::write_image;

namespace {

// A CIFAR-10 image tree of one 32x32 RGB image per class and split.
void write_cifar10_tree(const fs::path& root) {
  for (const std::string split : {"train", "test"})
    for (const std::string c :
         {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"})
      write_image(root / split / c / "0000.png", 1, 32, 32, 3);
}

// Checks example i of `dataset` holds synthetic image `seed`, channel-planar, exactly.
void check_pixels(const data::Dataset& dataset, int64_t i, int seed) {
  const Shape shape = dataset.example_shape();
  const int64_t c_n = shape[0], h = shape[1], w = shape[2];
  const Tensor example = dataset.examples(i, 1);
  const float* x = example.data();
  int mismatches = 0;
  for (int c = 0; c < c_n; ++c)
    for (int y = 0; y < h; ++y)
      for (int xx = 0; xx < w; ++xx)
        if (x[(c * h + y) * w + xx] != static_cast<float>(pixel(seed, c, y, xx)) / 255.0f)
          ++mismatches;
  CHECK_MESSAGE(mismatches == 0, "example " << i << " (seed " << seed << ")");
}

template <typename Error>
std::string error_of(const fs::path& root) {
  try {
    data::read_image_folder(root, "test");
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("read_image_folder(" << root.string() << ") did not throw the expected error");
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

fs::path mirror_dir() {
  const char* env = std::getenv("ADAMITE_DATA_MIRROR");
  if (env == nullptr || *env == '\0') {
    FAIL(
        "ADAMITE_DATA_MIRROR is not set: point it at the data mirror (e.g. /work/shared/datasets)"
        " to test the image-folder reader on the CIFAR-10 JPEG tree");
    return {};
  }
  fs::path dir = env;
  if (dir.is_relative()) dir = fs::path(ADAMITE_SOURCE_DIR) / dir;
  if (!fs::is_directory(dir / "cifar-10-images" / "test"))
    FAIL("the CIFAR-10 JPEG tree is not in the mirror: " << (dir / "cifar-10-images").string());
  return dir / "cifar-10-images";
}

void check_per_class(const data::Dataset& dataset, int64_t per_class) {
  std::vector<int64_t> counts(10, 0);
  for (int32_t l : dataset.labels) {
    REQUIRE(l >= 0);
    REQUIRE(l < 10);
    ++counts[static_cast<size_t>(l)];
  }
  CHECK(counts == std::vector<int64_t>(10, per_class));
  // Sorted within a class, so labels never go back.
  CHECK(std::is_sorted(dataset.labels.begin(), dataset.labels.end()));
  // Held as bytes (4x smaller than floats), read back as byte / 255.
  REQUIRE(dataset.holds_bytes());
  const Tensor all = dataset.examples();
  const float* x = all.data();
  const auto [lo, hi] = std::minmax_element(x, x + all.numel());
  CHECK(*lo >= 0.0f);
  CHECK(*hi <= 1.0f);
  CHECK(*hi > 0.9f);
}

// Mean absolute pixel difference (0..1 scale) between example `index` of `images` and CIFAR-10
// binary record `record` of `binary`.
double mean_abs_diff(const data::Dataset& images, int64_t index, const data::Dataset& binary,
                     int64_t record) {
  const int64_t n = 3 * 32 * 32;
  const Tensor image = images.examples(index, 1), binary_record = binary.examples(record, 1);
  const float* a = image.data();
  const float* b = binary_record.data();
  double sum = 0;
  for (int64_t j = 0; j < n; ++j) sum += std::abs(static_cast<double>(a[j]) - b[j]);
  return sum / static_cast<double>(n);
}

// The JPEG tree numbers each class's images in the order of the official batch: the k-th record
// of class c in the batch is <split>/<c>/<k>.jpg, i.e. example c * per_class + k of the tree.
// Checks every record of the real binary prefix against its JPEG copy.
void check_jpeg_against_binary(const data::Dataset& tree, int64_t per_class,
                               const fs::path& binary_file) {
  const data::Dataset binary = data::read_cifar10_batches({binary_file}, "binary");
  std::vector<int64_t> seen(10, 0);
  double worst = 0, total = 0;
  for (int64_t i = 0; i < binary.size(); ++i) {
    const int32_t label = binary.labels[static_cast<size_t>(i)];
    const int64_t index = label * per_class + seen[static_cast<size_t>(label)]++;
    const double mae = mean_abs_diff(tree, index, binary, i);
    worst = std::max(worst, mae);
    total += mae;
  }
  MESSAGE(binary_file.filename().string()
          << ": JPEG vs official pixels, mean absolute error " << 255 * total / binary.size()
          << "/255 on average, worst image " << 255 * worst << "/255");
  CHECK(255 * total / binary.size() < 8.0);
  CHECK(255 * worst < 12.0);
}

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("image folder: labels follow sorted class names, files sorted, exact pixels") {
    TempDir tmp;
    // Classes created out of order; mixed formats and extension case.
    write_image(tmp / "b_cats" / "2.png", 10);
    write_image(tmp / "b_cats" / "10.BMP", 11);
    write_image(tmp / "b_cats" / "1.PNG", 12);
    write_image(tmp / "a_dogs" / "z.bmp", 20);
    write_image(tmp / "c_birds" / "x.png", 30);
    write_image(tmp / "c_birds" / "y.Png", 31);
    std::ofstream(tmp / "b_cats" / "notes.txt") << "not an image";
    std::ofstream(tmp / "README") << "not a class";

    const data::ImageFolder folder = data::read_image_folder(tmp.path(), "pets");
    CHECK(folder.classes == std::vector<std::string>{"a_dogs", "b_cats", "c_birds"});
    const data::Dataset& d = folder.dataset;
    CHECK(d.name == "pets");
    CHECK(d.num_classes == 3);
    CHECK(d.class_names == folder.classes);
    CHECK(d.pixel_shape == Shape{6, 3, 3, 4});
    CHECK(d.labels == std::vector<int32_t>{0, 1, 1, 1, 2, 2});
    // Within b_cats by name: "1.PNG" < "10.BMP" < "2.png".
    const std::vector<int> seeds = {20, 12, 11, 10, 30, 31};
    for (size_t i = 0; i < seeds.size(); ++i) check_pixels(d, static_cast<int64_t>(i), seeds[i]);

    // Deterministic: a second read gives the same bytes.
    const data::ImageFolder again = data::read_image_folder(tmp.path(), "pets");
    CHECK(again.dataset.labels == d.labels);
    CHECK(again.dataset.pixels == d.pixels);
  }

  TEST_CASE("image folder: grey images give one channel, JPEG decodes close to the original") {
    TempDir tmp;
    write_image(tmp / "grey" / "a" / "0.png", 1, 5, 2, 1);
    write_image(tmp / "grey" / "b" / "0.png", 2, 5, 2, 1);  // (BMP stores grey as 24-bit)
    const data::ImageFolder grey = data::read_image_folder(tmp / "grey", "grey");
    CHECK(grey.dataset.pixel_shape == Shape{2, 1, 2, 5});
    check_pixels(grey.dataset, 0, 1);
    check_pixels(grey.dataset, 1, 2);

    // A flat colour survives JPEG at quality 100 almost exactly.
    fs::create_directories(tmp / "jpeg" / "only");
    std::vector<uint8_t> flat(8 * 8 * 3);
    for (size_t i = 0; i < flat.size(); ++i) flat[i] = static_cast<uint8_t>(i % 3 == 0 ? 200 : 50);
    REQUIRE(stbi_write_jpg((tmp / "jpeg" / "only" / "a.JPEG").c_str(), 8, 8, 3, flat.data(), 100));
    const data::ImageFolder jpeg = data::read_image_folder(tmp / "jpeg", "jpeg");
    CHECK(jpeg.dataset.pixel_shape == Shape{1, 3, 8, 8});
    const Tensor image = jpeg.dataset.examples();
    const float* x = image.data();
    CHECK(x[0] == doctest::Approx(200.0 / 255.0).epsilon(0.03));
    CHECK(x[64] == doctest::Approx(50.0 / 255.0).epsilon(0.06));
    CHECK(x[128] == doctest::Approx(50.0 / 255.0).epsilon(0.06));
  }

  TEST_CASE("image folder: an image of another size is rejected, naming the file and both sizes") {
    TempDir tmp;
    write_image(tmp / "a" / "0.png", 1);
    write_image(tmp / "b" / "0.png", 2);
    write_image(tmp / "b" / "1.png", 3, 5, 3);
    const std::string message = error_of<data::FormatError>(tmp.path());
    CHECK(contains(message, (tmp / "b" / "1.png").string()));
    CHECK(contains(message, "5x3x3"));
    CHECK(contains(message, "4x3x3"));

    // A different channel count is a different size too.
    TempDir tmp2;
    write_image(tmp2 / "a" / "0.png", 1);
    write_image(tmp2 / "a" / "1.png", 2, 4, 3, 4);
    const std::string channels = error_of<data::FormatError>(tmp2.path());
    CHECK(contains(channels, (tmp2 / "a" / "1.png").string()));
    CHECK(contains(channels, "4x3x4"));
  }

  TEST_CASE("image folder: a corrupt image is rejected, naming the file and stb's reason") {
    for (const char* bad : {"0.png", "5.png"}) {  // the first image, and a later one
      TempDir tmp;
      write_image(tmp / "a" / "1.png", 1);
      write_image(tmp / "a" / "2.png", 2);
      std::ofstream(tmp / "a" / bad, std::ios::binary) << "this is not a PNG file at all";
      const std::string message = error_of<data::FormatError>(tmp.path());
      CHECK(contains(message, (tmp / "a" / bad).string()));
      CHECK(contains(message, "cannot decode image: "));
      CHECK(message.size() > message.find("cannot decode image: ") + 21);  // stb's reason follows
    }
  }

  // The adversarial run: a FIFO named like an image blocked the reader forever.
  TEST_CASE("image folder: a named pipe named like an image is refused without reading it") {
    TempDir tmp;
    write_image(tmp / "a" / "1.png", 1);
    REQUIRE(::mkfifo((tmp / "a" / "2.png").c_str(), 0600) == 0);
    const std::string message = error_of<data::FormatError>(tmp.path());
    CHECK(contains(message, (tmp / "a" / "2.png").string()));
    CHECK(contains(message, "a named pipe (FIFO), not a regular file"));
  }

  TEST_CASE("image folder: a header claiming 2^31-1 x 2^31-1 pixels is refused before decoding") {
    // width x height x channels overflows int64 (found by fuzz/image_fuzzer.cpp): a 70-byte BMP.
    TempDir tmp;
    fs::create_directories(tmp / "a");
    std::string bmp(
        "BM\x46\0\0\0\0\0\0\0\x36\0\0\0"  // file header; info header: 40 bytes,
        "\x28\0\0\0\xff\xff\xff\x7f\xff\xff\xff\x7f\x01\0\x20\0",  // 32 bits/pixel
        30);
    bmp.resize(70, '\0');
    std::ofstream(tmp / "a" / "0.bmp", std::ios::binary) << bmp;
    const std::string message = error_of<data::FormatError>(tmp.path());
    CHECK(contains(message, (tmp / "a" / "0.bmp").string()));
    CHECK(contains(message, "2147483647x2147483647x4"));
    CHECK(contains(message, "more than the limit"));
  }

  TEST_CASE("image folder: no classes, no images, or no folder give clear errors") {
    TempDir tmp;
    fs::create_directories(tmp / "empty");
    CHECK(contains(error_of<std::runtime_error>(tmp / "empty"), "no class folders"));

    fs::create_directories(tmp / "classes" / "a");
    fs::create_directories(tmp / "classes" / "b");
    std::ofstream(tmp / "classes" / "a" / "notes.txt") << "text";
    const std::string no_images = error_of<std::runtime_error>(tmp / "classes");
    CHECK(contains(no_images, "holds no"));
    CHECK(contains(no_images, (tmp / "classes" / "a").string()));

    const std::string missing = error_of<std::runtime_error>(tmp / "nowhere");
    CHECK(contains(missing, (tmp / "nowhere").string()));
    CHECK(contains(missing, "not a folder"));
  }

  TEST_CASE("image folder: load_cifar10_images checks the ten CIFAR-10 classes") {
    TempDir tmp;
    write_cifar10_tree(tmp.path());
    const data::Splits splits = data::load_cifar10_images(tmp.path());
    CHECK(splits.train.name == "cifar10/train");
    CHECK(splits.test.name == "cifar10/test");
    CHECK(splits.train.pixel_shape == Shape{10, 3, 32, 32});
    CHECK(splits.test.labels == std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});

    write_image(tmp / "test" / "unicorn" / "0000.png", 1, 32, 32, 3);
    const std::string message = [&] {
      try {
        data::load_cifar10_images(tmp.path());
      } catch (const data::FormatError& e) {
        return std::string(e.what());
      }
      return std::string("no error");
    }();
    CHECK(contains(message, "unicorn"));
    CHECK(contains(message, (tmp / "test").string()));
  }

  // The adversarial run: 30 PNGs of 11585x11585 took 4.2 GB and 21 s before the 32x32 check.
  // Here the first image's header claims that size and holds no image data: refused from its
  // header, before the tree is allocated or the image decoded (stb would fail on the missing data).
  TEST_CASE("image folder: a CIFAR-10 image that is not 32x32 is refused from its header") {
    TempDir tmp;
    write_cifar10_tree(tmp.path());
    // PNG signature, an IHDR chunk (11585 x 11585, 8-bit grey) and an IDAT chunk of one byte, so
    // that stbi_info succeeds and decoding would fail (stb does not check CRCs).
    std::string png = "\x89PNG\r\n\x1a\n";
    png += std::string("\0\0\0\x0dIHDR", 8);
    for (const uint32_t side : {11585u, 11585u})
      for (const int shift : {24, 16, 8, 0}) png += static_cast<char>((side >> shift) & 0xff);
    png += std::string("\x08\0\0\0\0\0\0\0\0", 9);
    png += std::string("\0\0\0\x01IDAT\x78\0\0\0\0", 13);
    const fs::path huge = tmp / "train" / "airplane" / "0000.png";
    adamite::testing::write_file(huge, png);
    try {
      data::load_cifar10_images(tmp.path());
      FAIL("the 11585x11585 image was accepted");
    } catch (const data::FormatError& e) {
      CHECK(std::string(e.what()) == huge.string() +
                                         ": image is 11585x11585x1 (width x height x channels) "
                                         "but cifar10/train images must be 32x32x3 (width x "
                                         "height x channels); all images must share one size");
    }
  }

  TEST_CASE("image folder: the mirror's CIFAR-10 test tree (10000 JPEGs) against test_batch") {
    const fs::path tree = mirror_dir();
    const auto start = std::chrono::steady_clock::now();
    const data::ImageFolder test = data::read_image_folder(tree / "test", "cifar10/test");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("read 10000 CIFAR-10 test JPEGs in " << seconds << " s");
    CHECK(test.classes == std::vector<std::string>{"airplane", "automobile", "bird", "cat", "deer",
                                                   "dog", "frog", "horse", "ship", "truck"});
    CHECK(test.dataset.size() == 10000);
    CHECK(test.dataset.num_classes == 10);
    CHECK(test.dataset.pixel_shape == Shape{10000, 3, 32, 32});
    check_per_class(test.dataset, 1000);
    check_jpeg_against_binary(
        test.dataset, 1000,
        tree.parent_path() / "cifar-10-binary-prefix" / "test_batch.first846.bin");
  }

  TEST_CASE(
      "image folder: load_cifar10_images on the mirror (50000 + 10000 JPEGs) against "
      "data_batch_1") {
    const fs::path tree = mirror_dir();
    const auto start = std::chrono::steady_clock::now();
    const data::Splits splits = data::load_cifar10_images(tree);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("read 60000 CIFAR-10 JPEGs in " << seconds << " s");
    CHECK(splits.train.pixel_shape == Shape{50000, 3, 32, 32});
    CHECK(splits.test.pixel_shape == Shape{10000, 3, 32, 32});
    check_per_class(splits.train, 5000);
    check_per_class(splits.test, 1000);
    check_jpeg_against_binary(
        splits.train, 5000,
        tree.parent_path() / "cifar-10-binary-prefix" / "data_batch_1.first932.bin");
  }
}
