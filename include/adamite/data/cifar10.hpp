// CIFAR-10 in the official binary form: data_batch_1..5.bin and test_batch.bin, each a sequence
// of records of 1 label byte + 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each plane
// row-major 32x32).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "adamite/data/dataset.hpp"

namespace adamite::data {

inline constexpr int64_t kCifar10Side = 32;
// The class names in label order (the binary batches' batches.meta.txt).
inline const std::vector<std::string> kCifar10Classes = {
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
inline constexpr int64_t kCifar10RecordBytes = 1 + 3 * kCifar10Side * kCifar10Side;  // 3073

// Reads the records of `files`, in order, into one dataset named `name`: images held as their
// bytes (pixel_shape [N, 3, 32, 32], channel-planar as stored) and read as floats x/255 in [0, 1],
// labels 0..9, num_classes 10. N comes from the files' real sizes. Throws FormatError for a file
// that is empty, is not a whole number of 3073-byte records (naming file, size and record size) or
// holds a label >= 10 (naming file and byte offset), and std::runtime_error for a file that is
// missing or cannot be read.
Dataset read_cifar10_batches(const std::vector<std::filesystem::path>& files,
                             const std::string& name);

// Loads "cifar10/train" from data_batch_1.bin .. data_batch_5.bin and "cifar10/test" from
// test_batch.bin in `dir`, or in dir/cifar-10-batches-bin/ (the official archive's folder) if the
// files are there instead. Throws std::runtime_error naming the missing files if neither holds
// them.
Splits load_cifar10_binary(const std::filesystem::path& dir);

}  // namespace adamite::data
