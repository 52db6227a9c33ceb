#include "experiment_data.hpp"

#include <algorithm>
#include <iostream>

#include "adamite/data/imdb.hpp"
#include "adamite/fetch/imdb.hpp"
#include "adamite/random.hpp"
#include "adamite/train/datasets.hpp"

namespace adamite::reproduce {

data::Dataset random_subset(const data::Dataset& dataset, int64_t size, uint64_t seed) {
  const int64_t n = dataset.size();
  if (size < 0 || size >= n) return dataset;
  // The first `size` entries of a seeded Fisher–Yates shuffle, sorted back into file order.
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[size_t(i)] = i;
  Generator generator(seed ^ 0x5eedu);
  for (int64_t i = 0; i < size; ++i) {
    const auto j = i + static_cast<int64_t>(generator.below(static_cast<uint64_t>(n - i)));
    std::swap(order[size_t(i)], order[size_t(j)]);
  }
  order.resize(static_cast<size_t>(size));
  std::sort(order.begin(), order.end());

  return dataset.select(order, dataset.name + "[" + std::to_string(size) + "]");
}

namespace {

// Images held as bytes are whitened batch by batch as they are read (`adamite train` keeps them so
// for its memory budget); the harness, which reads each image dozens of times, whitens them once:
// CIFAR-10's training images take 614 MB as floats instead of 154 MB as bytes, and a one-thread
// CNN step 14% less time (a 128 x 3072 x 3072 product per batch, and the test set's every epoch).
// Whitened once, an image has one value for the whole run. Batch by batch, its last bits could
// depend on its place in the batch (oneDNN's sgemm takes the last rows of a product whose row
// count is not a multiple of its row block, 4 on AVX2, with another kernel); with batches of 128
// and chunks of 256 rows the two agree bit for bit (`reproduce fig3 --quick`, Zen 2).
void hold_preprocessed(data::Dataset& dataset) {
  if (!dataset.holds_bytes() || !dataset.preprocess) return;
  dataset.inputs = dataset.examples();
  dataset.preprocess = nullptr;
  dataset.pixels = {};
  dataset.pixel_shape = Shape{};
}

}  // namespace

data::Splits experiment_data(const std::string& dataset, int64_t train_subset, int64_t test_subset,
                             uint64_t seed) {
  data::Splits splits;
  if (dataset == "imdb") {
    // Dense 10,000-wide rows take 40 kB each, so only the examples used are built.
    data::ImdbOptions options;
    options.max_train = train_subset;
    options.max_test = test_subset;
    splits = data::load_imdb(data::fetch_imdb(), options);
  } else {
    splits = train::load_named_dataset(dataset);
  }
  splits.train = random_subset(splits.train, train_subset, seed);
  splits.test = random_subset(splits.test, test_subset, seed + 1);
  // ZCA for CIFAR-10 as in the paper; the other datasets are used as they are.
  train::apply_whitening("auto", dataset, splits);
  hold_preprocessed(splits.train);
  hold_preprocessed(splits.test);
  return splits;
}

}  // namespace adamite::reproduce
