// Preprocessing fitted on the training set only, then applied to every split.
//
// apply(Dataset&) transforms float examples in place; on a dataset that holds bytes it adds the
// transform to the dataset's `preprocess`, so each batch is transformed as it is read.
#pragma once

#include <cstdint>
#include <vector>

#include "adamite/data/dataset.hpp"

namespace adamite::data {

// Per-channel standardisation of [N, C, ...] inputs: (x − mean_c) / std_c.
struct ChannelStandardizer {
  std::vector<float> mean, stddev;
  static ChannelStandardizer fit(const Tensor& inputs);
  static ChannelStandardizer fit(const Dataset& train);
  void apply(const Tensor& inputs) const;  // in place
  void apply(Dataset& dataset) const;
  void apply(float* values, int64_t count, const Shape& example) const;  // in place
};

// ZCA whitening (the Adam paper's §6.3 "whitening"): x ↦ W (x − μ) with W = U (Λ + ε)^{-1/2} Uᵀ,
// where Σ = U Λ Uᵀ is the covariance of the flattened training examples. ε keeps the
// near-zero-variance directions (pixel noise) from being blown up; with pixels in [0, 1], ε = 0.01
// is the documented default. The result stays in pixel space (unlike PCA whitening), so
// convolutions still see images.
struct ZcaWhitening {
  Tensor mean;    // [D]
  Tensor matrix;  // [D, D], symmetric
  double epsilon = 1e-2;

  static ZcaWhitening fit(const Tensor& inputs, double epsilon = 1e-2);
  static ZcaWhitening fit(const Dataset& train, double epsilon = 1e-2);
  void apply(const Tensor& inputs) const;  // in place, [N, ...] with D values per example
  void apply(Dataset& dataset) const;
  void apply(float* values, int64_t count) const;  // in place, D values per example
};
// Saved and cached as safetensors by io::save_zca and io::fit_or_load_zca (adamite/io/zca.hpp).

// FNV-1a over the examples' float values as read (decoded and preprocessed), so that data a
// transform was fitted on is recognised whether its examples are held as floats or as bytes.
uint64_t fingerprint(const Dataset& dataset);

}  // namespace adamite::data
