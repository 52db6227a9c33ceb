// The data an experiment trains on: a dataset's splits, cut to a seeded random subset when asked,
// and ZCA-whitened for CIFAR-10 as the paper does.
#pragma once

#include <cstdint>
#include <string>

#include "adamite/data/dataset.hpp"

namespace adamite::reproduce {

// `size` examples of `dataset` chosen by a seeded shuffle (not a prefix: the CIFAR-10 image tree
// is sorted by class), kept in their original order. size < 0 or ≥ the dataset's size: all of it.
data::Dataset random_subset(const data::Dataset& dataset, int64_t size, uint64_t seed);

// Loads (fetching if needed) and prepares a dataset for the harness: mnist, cifar10 (whitened with
// ZCA fitted on the training examples used) or imdb (10,000-word bag of words).
data::Splits experiment_data(const std::string& dataset, int64_t train_subset, int64_t test_subset,
                             uint64_t seed);

}  // namespace adamite::reproduce
