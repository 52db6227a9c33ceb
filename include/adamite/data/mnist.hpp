// MNIST and Fashion-MNIST: the four IDX files of 28x28 grey images and their labels.
#pragma once

#include <filesystem>
#include <string>

#include "adamite/data/dataset.hpp"

namespace adamite::data {

// Loads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte from `dir`, each as .gz if present, else raw. The images are held as
// their bytes (pixel_shape [N, 1, 28, 28]) and read as floats x/255 in [0, 1]; labels 0..9; the
// splits are named "<name>/train" and "<name>/test". Fashion-MNIST has the same files:
// load_mnist(dir, "fashion-mnist"). Throws FormatError (naming file and byte offset) for any
// malformed file, and std::runtime_error if one is missing.
Splits load_mnist(const std::filesystem::path& dir, const std::string& name = "mnist");

}  // namespace adamite::data
