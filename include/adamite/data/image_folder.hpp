// Image folders: root/<class>/<image>.{png,jpg,jpeg,bmp}, decoded with stb_image.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "adamite/data/dataset.hpp"

namespace adamite::data {

struct ImageFolder {
  Dataset dataset;
  std::vector<std::string> classes;  // class folder names; classes[label] names each label
};

// Reads every image under root/<class>/ (extensions png, jpg, jpeg, bmp in any case; other files
// and names starting with '.' are ignored). The class folders sorted by name give the labels
// 0..K-1, and the files of a class are taken sorted by name, so the order is deterministic.
// Images are decoded in parallel (OpenMP) and held as bytes (pixel_shape [N, C, H, W],
// channel-planar), read as floats x/255 in [0, 1], with C the images' own channel count (1 grey,
// 2 grey+alpha, 3 RGB, 4 RGBA).
// Throws std::runtime_error if root is not a folder, has no class folders, or a class folder has
// no images; FormatError naming the file and stb_image's reason for an image that does not
// decode, and naming the file and both sizes for an image whose width x height x channels
// differs from the first image's, or from `example_shape` ([C, H, W]) when that is given; both
// are checked from each image's header before any image is decoded. FormatError too when the
// images would take more than kMaxDatasetBytes (idx.hpp), before they are decoded.
ImageFolder read_image_folder(const std::filesystem::path& root, const std::string& name,
                              const Shape& example_shape = {});

// One image file (png, jpg, jpeg, bmp) as a [C, H, W] tensor of byte/255 values in [0, 1], C its
// own channel count (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA): what read_image_folder holds for each
// image, decoded. Throws FormatError naming the file and the reason it does not decode.
Tensor read_image(const std::filesystem::path& file);

// A user's image tree as train and test splits (`adamite train --dataset folder:ROOT`), in one of
// two layouts:
//  - ROOT/train/<class>/* and ROOT/test/<class>/*: those, with the same class folders in both;
//  - ROOT/<class>/*: a tenth of the images (kTreeTestFraction, rounded down), drawn at random with
//    a fixed seed (kTreeTestSeed, whatever the run's seed), held out as the test set, so every run
//    on the tree is scored on the same images.
// The class folders sorted by name give the labels 0..K-1 and the class names. Throws
// std::runtime_error naming the folder for fewer than 2 classes, a train/ without a test/ (or the
// reverse), test classes other than the training ones, or fewer than 10 images to split; and
// read_image_folder's errors (an empty class folder, a file that does not decode, an image of
// another size, each named).
inline constexpr double kTreeTestFraction = 0.1;
inline constexpr uint64_t kTreeTestSeed = 0;
Splits load_image_tree(const std::filesystem::path& root, const std::string& name);

// CIFAR-10 as an image tree: dir/train and dir/test, each with the ten class folders airplane
// automobile bird cat deer dog frog horse ship truck (the official label order 0..9; any other set
// of folders is an error). Splits "cifar10/train" and "cifar10/test", inputs [N, 3, 32, 32].
Splits load_cifar10_images(const std::filesystem::path& dir);

}  // namespace adamite::data
