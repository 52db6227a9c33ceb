// ZCA whitening transforms (data::ZcaWhitening) as safetensors files, and a cache of fitted ones:
// the eigen-decomposition of CIFAR-10's 3072 x 3072 covariance takes a while, so it is done once.
#pragma once

#include <filesystem>

#include "adamite/data/transforms.hpp"

namespace adamite::io {

// Tensors "mean" [D] and "matrix" [D, D], ε in the metadata.
void save_zca(const std::filesystem::path& file, const data::ZcaWhitening& zca);
// Throws SafetensorsError for a file that cannot be read, std::runtime_error for one that is not
// a ZCA transform.
data::ZcaWhitening load_zca(const std::filesystem::path& file);

// Fits ZCA on `train`, or loads it from cache_dir when a transform fitted on the very same data
// (checked by data::fingerprint, however the examples are held) with the same ε is cached there;
// saves new fits.
data::ZcaWhitening fit_or_load_zca(const data::Dataset& train,
                                   const std::filesystem::path& cache_dir, double epsilon = 1e-2);

}  // namespace adamite::io
