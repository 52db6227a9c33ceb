// The CIFAR-10 binary reader: the real first records of the official batches (from the mirror,
// never skipped) for labels, scaling and the channel-planar layout; synthetic files for the
// folder layouts and every format error.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "adamite/data/cifar10.hpp"
#include "adamite/data/idx.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace adamite;
using adamite::testing::TempDir;

namespace {

constexpr int64_t kRecord = 3073;

// The mirror folder from $ADAMITE_DATA_MIRROR (relative paths are taken from the source dir, as
// the test command runs from there); FAILs rather than skipping when it is not set.
fs::path mirror_dir() {
  const char* env = std::getenv("ADAMITE_DATA_MIRROR");
  if (env == nullptr || *env == '\0') {
    FAIL(
        "ADAMITE_DATA_MIRROR is not set: point it at the data mirror (e.g. /work/shared/datasets)"
        " to test the CIFAR-10 reader on real bytes");
    return {};
  }
  fs::path dir = env;
  if (dir.is_relative()) dir = fs::path(ADAMITE_SOURCE_DIR) / dir;
  return dir;
}

fs::path real_file(const std::string& name) {
  const fs::path file = mirror_dir() / "cifar-10-binary-prefix" / name;
  if (!fs::is_regular_file(file))
    FAIL("real CIFAR-10 bytes not found: " << file.string() << " (check ADAMITE_DATA_MIRROR)");
  return file;
}

std::vector<uint8_t> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::vector<uint8_t>& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// n records whose label is (first + i) % 10 and whose pixel j is (first + i + j) % 256.
std::vector<uint8_t> records(int n, int first) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < n; ++i) {
    bytes.push_back(static_cast<uint8_t>((first + i) % 10));
    for (int j = 0; j < kRecord - 1; ++j)
      bytes.push_back(static_cast<uint8_t>((first + i + j) % 256));
  }
  return bytes;
}

// Checks every label and pixel of `dataset` (from offset `first` on) against the raw bytes.
void check_against_bytes(const data::Dataset& dataset, int64_t first,
                         const std::vector<uint8_t>& bytes) {
  const int64_t n = static_cast<int64_t>(bytes.size()) / kRecord;
  const Tensor all = dataset.examples();
  const float* x = all.data();
  int64_t label_mismatches = 0, pixel_mismatches = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (dataset.labels[static_cast<size_t>(first + i)] != bytes[static_cast<size_t>(i * kRecord)])
      ++label_mismatches;
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 32; ++y)
        for (int64_t xx = 0; xx < 32; ++xx) {
          const uint8_t byte = bytes[static_cast<size_t>(i * kRecord + 1 + c * 1024 + y * 32 + xx)];
          const float got = x[(((first + i) * 3 + c) * 32 + y) * 32 + xx];
          if (got != static_cast<float>(byte) / 255.0f) ++pixel_mismatches;
        }
  }
  CHECK(label_mismatches == 0);
  CHECK(pixel_mismatches == 0);
}

template <typename Error>
std::string error_of(const std::vector<fs::path>& files) {
  try {
    data::read_cifar10_batches(files, "test");
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("read_cifar10_batches did not throw the expected error");
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("cifar10: real first records of data_batch_1 and test_batch") {
    const fs::path train_file = real_file("data_batch_1.first932.bin");
    const fs::path test_file = real_file("test_batch.first846.bin");
    const auto train_bytes = read_bytes(train_file);
    const auto test_bytes = read_bytes(test_file);
    REQUIRE(train_bytes.size() == 932 * kRecord);
    REQUIRE(test_bytes.size() == 846 * kRecord);

    const data::Dataset train = data::read_cifar10_batches({train_file}, "cifar10/train");
    const data::Dataset test = data::read_cifar10_batches({test_file}, "cifar10/test");
    CHECK(train.name == "cifar10/train");
    CHECK(train.size() == 932);
    CHECK(test.size() == 846);
    CHECK(train.num_classes == 10);
    CHECK(train.class_names == data::kCifar10Classes);
    // Held as the file's bytes (4x smaller than floats), read back as byte / 255.
    CHECK(train.pixel_shape == Shape{932, 3, 32, 32});
    CHECK(test.pixel_shape == Shape{846, 3, 32, 32});
    CHECK(train.examples().shape() == Shape{932, 3, 32, 32});

    // The first two records' labels, read from the raw bytes (offsets 0 and 3073).
    CHECK(train.labels[0] == train_bytes[0]);
    CHECK(train.labels[1] == train_bytes[3073]);
    CHECK(test.labels[0] == test_bytes[0]);
    CHECK(test.labels[1] == test_bytes[3073]);
    // The official test batch begins with these labels.
    const std::vector<int32_t> test_start = {3, 8, 8, 0, 6, 6, 1, 6, 3, 1};
    CHECK(std::vector<int32_t>(test.labels.begin(), test.labels.begin() + 10) == test_start);

    // Pixel (c, y, x) of record i is byte i*3073 + 1 + c*1024 + y*32 + x, over 255.
    const Tensor train_values = train.examples();
    const float* x = train_values.data();
    CHECK(x[0] == static_cast<float>(train_bytes[1]) / 255.0f);
    CHECK(x[1 * 1024 + 5 * 32 + 7] ==
          static_cast<float>(train_bytes[1 + 1024 + 5 * 32 + 7]) / 255.0f);
    CHECK(x[2 * 1024 + 31 * 32 + 31] == static_cast<float>(train_bytes[3072]) / 255.0f);
    check_against_bytes(train, 0, train_bytes);
    check_against_bytes(test, 0, test_bytes);

    float lo = 1.0f, hi = 0.0f;
    for (int64_t i = 0; i < train_values.numel(); ++i) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
    CHECK(lo == 0.0f);
    CHECK(hi == 1.0f);
    int32_t max_label = 0;
    for (int32_t l : train.labels) max_label = std::max(max_label, l);
    CHECK(max_label == 9);
  }

  TEST_CASE("cifar10: several files are concatenated in order") {
    const fs::path train_file = real_file("data_batch_1.first932.bin");
    const fs::path test_file = real_file("test_batch.first846.bin");
    const data::Dataset both = data::read_cifar10_batches({train_file, test_file}, "both");
    CHECK(both.size() == 932 + 846);
    CHECK(both.pixel_shape == Shape{932 + 846, 3, 32, 32});
    check_against_bytes(both, 0, read_bytes(train_file));
    check_against_bytes(both, 932, read_bytes(test_file));
  }

  TEST_CASE("cifar10: load_cifar10_binary reads the six batches, also from cifar-10-batches-bin/") {
    TempDir tmp;
    const auto write_all = [](const fs::path& dir) {
      fs::create_directories(dir);
      for (int b = 1; b <= 5; ++b)
        write_bytes(dir / ("data_batch_" + std::to_string(b) + ".bin"), records(b, 10 * b));
      write_bytes(dir / "test_batch.bin", records(4, 7));
    };
    const auto check = [](const data::Splits& splits) {
      CHECK(splits.train.name == "cifar10/train");
      CHECK(splits.test.name == "cifar10/test");
      CHECK(splits.train.size() == 1 + 2 + 3 + 4 + 5);
      CHECK(splits.test.size() == 4);
      // Batch order: batch 2's first record (label 20 % 10 = 0, pixel 0 = 20) is example 1.
      CHECK(splits.train.labels[1] == 0);
      CHECK(splits.train.examples(1, 1).data()[0] == 20.0f / 255.0f);
      CHECK(splits.train.labels[14] == (50 + 4) % 10);
      CHECK(splits.test.labels == std::vector<int32_t>{7, 8, 9, 0});
    };

    write_all(tmp / "flat");
    check(data::load_cifar10_binary(tmp / "flat"));
    write_all(tmp / "archive" / "cifar-10-batches-bin");
    check(data::load_cifar10_binary(tmp / "archive"));

    fs::remove(tmp / "flat" / "data_batch_3.bin");
    try {
      data::load_cifar10_binary(tmp / "flat");
      FAIL("a missing batch was not reported");
    } catch (const std::runtime_error& e) {
      CHECK(contains(e.what(), "data_batch_3.bin"));
      CHECK(contains(e.what(), (tmp / "flat").string()));
    }
  }

  TEST_CASE("cifar10: a partial record is rejected with the file, its size and the record size") {
    TempDir tmp;
    auto bytes = records(2, 0);
    bytes.resize(bytes.size() + 5, 0);
    write_bytes(tmp / "partial.bin", bytes);
    const std::string message = error_of<data::FormatError>({tmp / "partial.bin"});
    CHECK(contains(message, (tmp / "partial.bin").string()));
    CHECK(contains(message, "6151"));
    CHECK(contains(message, "3073"));
  }

  // The adversarial run: a sparse CIFAR binary of gigabytes was allocated (twice) and read.
  TEST_CASE("cifar10: a file beyond the 2 GiB limit is refused before allocating") {
    TempDir tmp;
    const fs::path file = tmp / "sparse.bin";
    write_bytes(file, records(1, 0));
    const int64_t records_over = (int64_t{1} << 31) / kRecord + 1;
    fs::resize_file(file, static_cast<uintmax_t>(records_over * kRecord));  // sparse: no disk used
    const std::string message = error_of<data::FormatError>({file});
    CHECK(contains(message, file.string()));
    CHECK(contains(message, std::to_string(records_over) + " records"));
    CHECK(contains(message, "more than the 2 GiB limit; refusing to allocate"));
  }

  TEST_CASE("cifar10: a label of 12 is rejected with the file and its byte offset") {
    TempDir tmp;
    auto bytes = records(3, 0);
    bytes[2 * kRecord] = 12;
    write_bytes(tmp / "good.bin", records(1, 0));
    write_bytes(tmp / "label12.bin", bytes);
    const std::string message =
        error_of<data::FormatError>({tmp / "good.bin", tmp / "label12.bin"});
    CHECK(contains(message, (tmp / "label12.bin").string()));
    CHECK(contains(message, "label 12"));
    CHECK(contains(message, "byte offset 6146"));
  }

  TEST_CASE("cifar10: empty and missing files are rejected") {
    TempDir tmp;
    write_bytes(tmp / "empty.bin", {});
    const std::string empty = error_of<data::FormatError>({tmp / "empty.bin"});
    CHECK(contains(empty, (tmp / "empty.bin").string()));
    CHECK(contains(empty, "empty"));
    const std::string missing = error_of<std::runtime_error>({tmp / "nowhere.bin"});
    CHECK(contains(missing, (tmp / "nowhere.bin").string()));
    CHECK(contains(missing, "missing"));
    CHECK_THROWS_AS(data::read_cifar10_batches({}, "none"), std::invalid_argument);
  }
}
