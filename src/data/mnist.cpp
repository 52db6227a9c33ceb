#include "adamite/data/mnist.hpp"

#include <stdexcept>
#include <utility>

#include "adamite/data/idx.hpp"

namespace adamite::data {
namespace {

constexpr int64_t kSide = 28;
constexpr int32_t kClasses = 10;
const std::vector<std::string> kDigits = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
// Fashion-MNIST's label names, in label order (its README).
const std::vector<std::string> kFashionClasses = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                  "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                  "Bag",         "Ankle boot"};
constexpr int64_t kLabelsHeaderBytes = 8;  // magic + one dimension

// The published files are gzip-compressed; a raw copy (e.g. after gunzip) works too.
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& base,
                                const std::string& name) {
  for (const auto& candidate : {dir / (base + ".gz"), dir / base})
    if (std::filesystem::exists(candidate)) return candidate;
  throw std::runtime_error(name + ": missing " + (dir / base).string() +
                           "(.gz); fetch the dataset first (adamite::data::fetch_dataset(\"" +
                           name + "\") or `adamite fetch " + name + "`)");
}

Dataset load_split(const std::filesystem::path& dir, const std::string& prefix,
                   const std::string& name, const std::string& split) {
  const auto images_file = find_file(dir, prefix + "-images-idx3-ubyte", name);
  const auto labels_file = find_file(dir, prefix + "-labels-idx1-ubyte", name);
  IdxArray images = read_idx(images_file);
  const IdxArray labels = read_idx(labels_file);

  if (images.dims.size() != 3 || images.dims[1] != kSide || images.dims[2] != kSide)
    throw FormatError(images_file.string() + ": expected N x 28 x 28 images, header has " +
                      std::to_string(images.dims.size()) + " dimensions" +
                      (images.dims.size() == 3 ? " of sizes " + std::to_string(images.dims[0]) +
                                                     "x" + std::to_string(images.dims[1]) + "x" +
                                                     std::to_string(images.dims[2])
                                               : std::string()));
  if (labels.dims.size() != 1)
    throw FormatError(labels_file.string() + ": expected a 1-dimensional label array, header has " +
                      std::to_string(labels.dims.size()) + " dimensions");
  const int64_t n = images.dims[0];
  if (labels.dims[0] != n)
    throw FormatError(labels_file.string() + ": " + std::to_string(labels.dims[0]) +
                      " labels but " + images_file.string() + " holds " + std::to_string(n) +
                      " images");

  Dataset dataset;
  dataset.name = name + "/" + split;
  dataset.num_classes = kClasses;
  dataset.class_names = name == "fashion-mnist" ? kFashionClasses : kDigits;
  dataset.labels.resize(static_cast<size_t>(n));
  for (size_t i = 0; i < labels.values.size(); ++i) {
    if (labels.values[i] >= kClasses)
      throw FormatError(labels_file.string() + ": label " + std::to_string(labels.values[i]) +
                        " at byte offset " +
                        std::to_string(kLabelsHeaderBytes + static_cast<int64_t>(i)) +
                        " (example " + std::to_string(i) + ") is not in 0..9");
    dataset.labels[i] = labels.values[i];
  }

  // Held as the file's bytes, 4x smaller than floats; batches are decoded as they are read.
  dataset.pixel_shape = {n, 1, kSide, kSide};
  dataset.pixels = std::move(images.values);
  return dataset;
}

}  // namespace

Splits load_mnist(const std::filesystem::path& dir, const std::string& name) {
  return {load_split(dir, "train", name, "train"), load_split(dir, "t10k", name, "test")};
}

}  // namespace adamite::data
