// The MNIST loader: synthetic files for the format rules, then the real MNIST (fetched from the
// mirror, never skipped) for counts, ranges and the exact label histograms.
#include <doctest/doctest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "adamite/data/idx.hpp"
#include "adamite/data/mnist.hpp"
#include "adamite/fetch/fetch.hpp"
#include "adamite/fetch/md5.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace adamite;
using adamite::testing::TempDir;

namespace {

std::string idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
  std::string bytes = {0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) bytes += static_cast<char>((d >> shift) & 0xff);
  bytes.append(values.begin(), values.end());
  return bytes;
}

void write_file(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

// A tiny MNIST-format folder: n_train / n_test images whose pixel j of image i is (i * 784 + j)
// mod 256, and labels i mod 10.
void write_tiny_mnist(const fs::path& dir, uint32_t n_train, uint32_t n_test) {
  fs::create_directories(dir);
  for (auto [prefix, n] : {std::pair{"train", n_train}, std::pair{"t10k", n_test}}) {
    std::vector<uint8_t> pixels(n * 784), labels(n);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i % 256);
    for (size_t i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(i % 10);
    write_file(dir / (std::string(prefix) + "-images-idx3-ubyte"), idx_bytes({n, 28, 28}, pixels));
    write_file(dir / (std::string(prefix) + "-labels-idx1-ubyte"), idx_bytes({n}, labels));
  }
}

// Calls load_mnist(dir) and checks it throws with every part in the message.
void expect_load_error(const fs::path& dir, std::initializer_list<std::string> parts) {
  try {
    data::load_mnist(dir);
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    for (const std::string& part : parts)
      CHECK_MESSAGE(message.find(part) != std::string::npos,
                    "missing '" << part << "' in: " << message);
    return;
  }
  FAIL("load_mnist(" << dir.string() << ") did not throw");
}

// The folder with the four real MNIST files: fetched from $ADAMITE_DATA_MIRROR into `tmp` (which
// also checks the mirror against the manifest's MD5s), else the test command's data root.
fs::path real_mnist(const TempDir& tmp) {
  if (const auto mirror = data::mirror_from_env()) {
    data::FetchOptions options;
    options.root = tmp.path();
    options.mirror = mirror;
    options.system_dirs = {};
    options.allow_download = false;
    options.log = nullptr;
    return data::fetch_dataset("mnist", options);
  }
  if (data::dataset_present("mnist", testing::data_root())) return testing::data_root() / "mnist";
  FAIL(
      "real MNIST not found: set ADAMITE_DATA_MIRROR (e.g. /work/shared/datasets) or fetch "
      "MNIST into "
      << testing::data_root().string());
  return {};
}

// gunzip with zlib directly, independent of read_idx.
void gunzip(const fs::path& from, const fs::path& to) {
  gzFile in = gzopen(from.c_str(), "rb");
  REQUIRE(in != nullptr);
  std::ofstream out(to, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  int got;
  while ((got = gzread(in, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
    out.write(buffer.data(), got);
  REQUIRE(got == 0);
  gzclose(in);
}

std::string tensor_md5(const Tensor& t) {
  return data::md5_hex(std::string_view(reinterpret_cast<const char*>(t.data()),
                                        static_cast<size_t>(t.numel()) * sizeof(float)));
}

// MNIST holds its images as bytes; the checks read them as floats, the way batches see them.
data::Splits as_floats(data::Splits splits) {
  for (data::Dataset* split : {&splits.train, &splits.test}) {
    REQUIRE(split->holds_bytes());
    split->inputs = split->examples();
    split->pixels = {};
    split->pixel_shape = {};
  }
  return splits;
}

std::array<int, 10> histogram(const std::vector<int32_t>& labels) {
  std::array<int, 10> counts{};
  for (int32_t label : labels) ++counts.at(static_cast<size_t>(label));
  return counts;
}

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("mnist: tiny synthetic files load with shapes, scaling and labels") {
    TempDir tmp;
    write_tiny_mnist(tmp.path(), 5, 3);
    const data::Splits splits = as_floats(data::load_mnist(tmp.path(), "fashion-mnist"));
    CHECK(splits.train.name == "fashion-mnist/train");
    CHECK(splits.test.name == "fashion-mnist/test");
    CHECK(splits.train.num_classes == 10);
    CHECK(splits.train.class_names.size() == 10);
    CHECK(splits.test.class_names[7] == "Sneaker");  // named as Fashion-MNIST
    CHECK(splits.train.inputs.shape() == Shape{5, 1, 28, 28});
    CHECK(splits.test.inputs.shape() == Shape{3, 1, 28, 28});
    CHECK(splits.train.labels == std::vector<int32_t>{0, 1, 2, 3, 4});
    CHECK(splits.test.labels == std::vector<int32_t>{0, 1, 2});
    const float* x = splits.train.inputs.data();
    for (size_t i : {size_t{0}, size_t{1}, size_t{255}, size_t{256}, size_t{3919}})
      CHECK(x[i] == static_cast<float>(i % 256) / 255.0f);
  }

  TEST_CASE("mnist: malformed folders are rejected naming the file") {
    TempDir tmp;
    const fs::path dir = tmp.path();
    write_tiny_mnist(dir, 5, 3);

    SUBCASE("label >= 10") {
      write_file(dir / "train-labels-idx1-ubyte", idx_bytes({5}, {1, 2, 3, 12, 4}));
      expect_load_error(dir, {"train-labels-idx1-ubyte", "label 12 at byte offset 11", "example 3",
                              "not in 0..9"});
    }
    SUBCASE("images and labels disagree on N") {
      write_file(dir / "t10k-labels-idx1-ubyte", idx_bytes({4}, {1, 2, 3, 4}));
      expect_load_error(dir, {"t10k-labels-idx1-ubyte", "4 labels", "3 images"});
    }
    SUBCASE("images are not 28x28") {
      write_file(dir / "train-images-idx3-ubyte",
                 idx_bytes({5, 32, 32}, std::vector<uint8_t>(5 * 32 * 32)));
      expect_load_error(dir, {"train-images-idx3-ubyte", "expected N x 28 x 28", "5x32x32"});
    }
    SUBCASE("labels are not 1-D") {
      write_file(dir / "train-labels-idx1-ubyte", idx_bytes({5, 1}, {1, 2, 3, 4, 5}));
      expect_load_error(dir, {"train-labels-idx1-ubyte", "1-dimensional"});
    }
    SUBCASE("a truncated image file") {
      std::string bytes = idx_bytes({5, 28, 28}, std::vector<uint8_t>(5 * 784));
      write_file(dir / "train-images-idx3-ubyte", bytes.substr(0, 1000));
      expect_load_error(dir, {"train-images-idx3-ubyte", "truncated at byte offset 1000"});
    }
    SUBCASE("a missing file") {
      fs::remove(dir / "t10k-images-idx3-ubyte");
      expect_load_error(dir, {"missing", "t10k-images-idx3-ubyte", "fetch"});
    }
  }

  TEST_CASE("mnist: the real dataset, gzip and raw") {
    TempDir tmp;
    const fs::path dir = real_mnist(tmp);
    std::string train_md5, test_md5;
    {
      const data::Splits mnist = as_floats(data::load_mnist(dir));
      const data::Dataset& train = mnist.train;
      const data::Dataset& test = mnist.test;
      CHECK(train.name == "mnist/train");
      CHECK(test.name == "mnist/test");
      CHECK(train.num_classes == 10);
      CHECK(train.class_names[7] == "7");
      REQUIRE(train.size() == 60000);
      REQUIRE(test.size() == 10000);
      CHECK(train.inputs.shape() == Shape{60000, 1, 28, 28});
      CHECK(test.inputs.shape() == Shape{10000, 1, 28, 28});
      for (const data::Dataset* split : {&train, &test}) {
        const float* x = split->inputs.data();
        const auto [lo, hi] = std::minmax_element(x, x + split->inputs.numel());
        CHECK(*lo == 0.0f);
        CHECK(*hi == 1.0f);
      }
      CHECK(histogram(train.labels) ==
            std::array<int, 10>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949});
      CHECK(histogram(test.labels) ==
            std::array<int, 10>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009});
      train_md5 = tensor_md5(train.inputs);
      test_md5 = tensor_md5(test.inputs);
    }

    // An uncompressed copy (the official uncompressed MD5s prove the copy) loads identically.
    const fs::path raw = tmp / "raw-mnist";
    fs::create_directories(raw);
    const std::pair<const char*, const char*> files[] = {
        {"train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"},
        {"train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"},
        {"t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"},
        {"t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637"}};
    for (const auto& [name, md5] : files) {
      gunzip(dir / (std::string(name) + ".gz"), raw / name);
      CHECK(data::md5_hex(raw / name) == md5);
    }
    const data::Splits from_raw = as_floats(data::load_mnist(raw));
    CHECK(tensor_md5(from_raw.train.inputs) == train_md5);
    CHECK(tensor_md5(from_raw.test.inputs) == test_md5);
    CHECK(histogram(from_raw.train.labels)[1] == 6742);
    const data::Splits again = data::load_mnist(dir);
    CHECK(from_raw.train.labels == again.train.labels);
    CHECK(from_raw.test.labels == again.test.labels);
  }

  TEST_CASE("mnist: Fashion-MNIST from the Debian package loads with the same loader") {
    const fs::path system_copy = "/usr/share/datasets/fashion-mnist";
    // tools/install-deps.sh installs the package, so its absence is a failure, not a skip.
    REQUIRE_MESSAGE(fs::exists(system_copy),
                    system_copy.string() << " is missing (apt-get install dataset-fashion-mnist)");
    TempDir tmp;
    data::FetchOptions options;
    options.root = tmp.path();
    options.mirror = std::nullopt;
    options.allow_download = false;
    options.log = nullptr;
    const data::Splits fashion =
        data::load_mnist(data::fetch_dataset("fashion-mnist", options), "fashion-mnist");
    CHECK(fashion.train.name == "fashion-mnist/train");
    CHECK(fashion.train.class_names.front() == "T-shirt/top");
    CHECK(fashion.test.class_names.back() == "Ankle boot");
    REQUIRE(fashion.train.size() == 60000);
    REQUIRE(fashion.test.size() == 10000);
    std::array<int, 10> train_counts, test_counts;
    train_counts.fill(6000);
    test_counts.fill(1000);
    CHECK(histogram(fashion.train.labels) == train_counts);
    CHECK(histogram(fashion.test.labels) == test_counts);
  }
}
