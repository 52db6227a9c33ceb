#include "adamite/data/cifar10.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "adamite/data/idx.hpp"

namespace adamite::data {
namespace {

constexpr int32_t kClasses = 10;
constexpr int64_t kPixels = kCifar10RecordBytes - 1;
constexpr int64_t kRecordsPerRead = 1024;  // 3 MB: files are read a block at a time, not whole

// The size of `file` in whole records, after checking it exists and holds at least one.
int64_t count_records(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw std::runtime_error("cifar10: missing file " + file.string());
  const auto size = static_cast<int64_t>(std::filesystem::file_size(file, ec));
  if (ec)
    throw std::runtime_error("cifar10: cannot read the size of " + file.string() + ": " +
                             ec.message());
  if (size == 0) throw FormatError(file.string() + ": empty file, expected CIFAR-10 records");
  if (size % kCifar10RecordBytes != 0)
    throw FormatError(file.string() + ": size " + std::to_string(size) +
                      " bytes is not a whole number of " + std::to_string(kCifar10RecordBytes) +
                      "-byte CIFAR-10 records (" + std::to_string(size / kCifar10RecordBytes) +
                      " records and " + std::to_string(size % kCifar10RecordBytes) +
                      " bytes over)");
  return size / kCifar10RecordBytes;
}

// The records of `files` (counts[f] each, already checked) as one dataset.
Dataset read_records(const std::vector<std::filesystem::path>& files,
                     const std::vector<int64_t>& counts, const std::string& name) {
  int64_t total = 0;
  for (int64_t n : counts) total += n;
  Dataset dataset;
  dataset.name = name;
  dataset.num_classes = kClasses;
  dataset.class_names = kCifar10Classes;
  dataset.labels.resize(static_cast<size_t>(total));
  // Held as the file's bytes, 4x smaller than floats; batches are decoded as they are read.
  dataset.pixel_shape = {total, 3, kCifar10Side, kCifar10Side};
  dataset.pixels.resize(static_cast<size_t>(total * kPixels));

  int64_t example = 0;
  std::vector<unsigned char> bytes(size_t(kRecordsPerRead * kCifar10RecordBytes));
  for (size_t f = 0; f < files.size(); ++f) {
    const auto& file = files[f];
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cifar10: cannot open " + file.string());
    for (int64_t i = 0; i < counts[f]; ++i, ++example) {
      const int64_t slot = i % kRecordsPerRead;
      if (slot == 0) {
        const auto want = static_cast<std::streamsize>(std::min(kRecordsPerRead, counts[f] - i) *
                                                       kCifar10RecordBytes);
        in.read(reinterpret_cast<char*>(bytes.data()), want);
        if (in.gcount() != want)
          throw FormatError(file.string() + ": cannot read record " + std::to_string(i) +
                            " (file changed while reading?)");
      }
      const unsigned char* record = bytes.data() + slot * kCifar10RecordBytes;
      if (record[0] >= kClasses)
        throw FormatError(file.string() + ": label " + std::to_string(record[0]) +
                          " at byte offset " + std::to_string(i * kCifar10RecordBytes) +
                          " (record " + std::to_string(i) + ") is not in 0..9");
      dataset.labels[static_cast<size_t>(example)] = record[0];
      std::memcpy(dataset.pixels.data() + example * kPixels, record + 1, size_t(kPixels));
    }
  }
  return dataset;
}

}  // namespace

Dataset read_cifar10_batches(const std::vector<std::filesystem::path>& files,
                             const std::string& name) {
  if (files.empty()) throw std::invalid_argument("read_cifar10_batches: no files given");
  std::vector<int64_t> counts;
  int64_t total = 0;
  for (const auto& file : files) {
    counts.push_back(count_records(file));
    total += counts.back();
    // Before allocating: a sparse file can claim gigabytes without holding them.
    if (static_cast<uint64_t>(total) * kCifar10RecordBytes > kMaxDatasetBytes)
      throw FormatError(file.string() + ": " + std::to_string(counts.back()) +
                        " records bring the dataset to " + std::to_string(total) + " records (" +
                        std::to_string(total * kCifar10RecordBytes) +
                        " bytes), more than the 2 GiB limit; refusing to allocate");
  }
  return naming_memory_failure(files.front(), [&] { return read_records(files, counts, name); });
}

Splits load_cifar10_binary(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (int i = 1; i <= 5; ++i) names.push_back("data_batch_" + std::to_string(i) + ".bin");
  names.push_back("test_batch.bin");

  const auto all_present = [&](const std::filesystem::path& folder) {
    for (const auto& n : names)
      if (!std::filesystem::is_regular_file(folder / n)) return false;
    return true;
  };
  std::filesystem::path folder = dir;
  if (!all_present(folder)) {
    if (all_present(dir / "cifar-10-batches-bin")) {
      folder = dir / "cifar-10-batches-bin";
    } else {
      std::string missing;
      for (const auto& n : names)
        if (!std::filesystem::is_regular_file(dir / n)) missing += " " + n;
      throw std::runtime_error("cifar10: missing" + missing + " in " + dir.string() +
                               " (and no complete cifar-10-batches-bin/ folder there); fetch the "
                               "dataset first (`adamite fetch cifar10`)");
    }
  }
  std::vector<std::filesystem::path> train;
  for (size_t i = 0; i + 1 < names.size(); ++i) train.push_back(folder / names[i]);
  return {read_cifar10_batches(train, "cifar10/train"),
          read_cifar10_batches({folder / names.back()}, "cifar10/test")};
}

}  // namespace adamite::data
