#include <filesystem>
#include <stdexcept>

#include "adamite/data/image_folder.hpp"

namespace adamite::data {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : " ") + name;
  return text;
}

ImageFolder read_classes(const std::filesystem::path& folder, const std::string& name,
                         const Shape& example_shape = {}) {
  ImageFolder images = read_image_folder(folder, name, example_shape);
  if (images.classes.size() < 2)
    throw std::runtime_error("image folder " + folder.string() + ": only one class folder (" +
                             images.classes[0] +
                             "); a classifier needs at least 2, one folder per class");
  return images;
}

}  // namespace

Splits load_image_tree(const std::filesystem::path& root, const std::string& name) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    throw std::runtime_error("image folder " + root.string() + ": not a folder");
  const bool has_train = std::filesystem::is_directory(root / "train", ec);
  const bool has_test = std::filesystem::is_directory(root / "test", ec);
  if (has_train != has_test)
    throw std::runtime_error("image folder " + root.string() + ": has " +
                             (has_train ? "train/ but no test/" : "test/ but no train/") +
                             "; give both (train/<class>/*, test/<class>/*), or put the class "
                             "folders directly in it to hold out a tenth as the test set");
  if (has_train) {
    ImageFolder train = read_classes(root / "train", name + "/train");
    // The test images must be of the training images' size.
    ImageFolder test = read_classes(root / "test", name + "/test", train.dataset.example_shape());
    if (test.classes != train.classes)
      throw std::runtime_error("image folder " + root.string() +
                               ": test/ and train/ must hold the same class folders; train/ has " +
                               joined(train.classes) + ", test/ has " + joined(test.classes));
    return {std::move(train.dataset), std::move(test.dataset)};
  }
  ImageFolder all = read_classes(root, name);
  const int64_t test_size =
      static_cast<int64_t>(static_cast<double>(all.dataset.size()) * kTreeTestFraction);
  if (test_size < 1)
    throw std::runtime_error("image folder " + root.string() + ": " +
                             std::to_string(all.dataset.size()) +
                             " images are too few to hold out a tenth as the test set (at least "
                             "10), or give train/ and test/ folders");
  auto [test, train] = random_split(all.dataset, test_size, kTreeTestSeed);
  train.name = name + "/train";
  test.name = name + "/test";
  return {std::move(train), std::move(test)};
}

}  // namespace adamite::data
