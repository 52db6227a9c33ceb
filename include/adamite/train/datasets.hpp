// The datasets a run names (`adamite train --dataset`, the reproduction harness): fetched into the
// data root when missing, loaded, and whitened as asked (fitted on the training split only).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "adamite/data/dataset.hpp"
#include "adamite/fetch/fetch.hpp"

namespace adamite::train {

// mnist, fashion-mnist, cifar10, imdb; and a user's image tree as folder:PATH.
const std::vector<std::string>& dataset_names();
inline constexpr const char* kFolderPrefix = "folder:";
// "folder:PATH" with PATH made absolute (so weights and checkpoints name it from anywhere); any
// other name unchanged.
std::string absolute_dataset_name(const std::string& name);
inline const std::vector<std::string> kWhitenChoices = {"auto", "zca", "standardize", "none"};

// The named dataset's train and test splits, fetched into the data root first if missing;
// folder:PATH is data::load_image_tree(PATH).
data::Splits load_named_dataset(const std::string& name);
std::filesystem::path fetch_named_dataset(const std::string& name,
                                          const data::FetchOptions& options);
// Fits `requested` (zca, standardize, none; auto = zca for cifar10, else none) on the training
// split and applies it to both splits, and to `validation` when given (examples held out of the
// training set, which the fit then never sees). Returns what was applied.
std::string apply_whitening(const std::string& requested, const std::string& dataset,
                            data::Splits& splits, data::Dataset* validation = nullptr);

}  // namespace adamite::train
