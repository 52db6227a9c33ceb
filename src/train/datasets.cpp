#include "adamite/train/datasets.hpp"

#include <iostream>

#include "adamite/data/image_folder.hpp"
#include "adamite/data/imdb.hpp"
#include "adamite/data/mnist.hpp"
#include "adamite/data/transforms.hpp"
#include "adamite/fetch/cifar10.hpp"
#include "adamite/fetch/fetch.hpp"
#include "adamite/fetch/imdb.hpp"
#include "adamite/io/zca.hpp"

namespace adamite::train {

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = {"mnist", "fashion-mnist", "cifar10", "imdb"};
  return names;
}

std::filesystem::path fetch_named_dataset(const std::string& name,
                                          const data::FetchOptions& options) {
  if (name == "cifar10") return data::fetch_cifar10(options);
  if (name == "imdb") return data::fetch_imdb(options);
  return data::fetch_dataset(name, options);
}

std::string absolute_dataset_name(const std::string& name) {
  if (!name.starts_with(kFolderPrefix)) return name;
  const std::filesystem::path path = name.substr(std::string(kFolderPrefix).size());
  return kFolderPrefix + std::filesystem::absolute(path).lexically_normal().string();
}

data::Splits load_named_dataset(const std::string& name) {
  if (name.starts_with(kFolderPrefix))
    return data::load_image_tree(name.substr(std::string(kFolderPrefix).size()), name);
  if (name == "cifar10") return data::load_cifar10(data::fetch_cifar10());
  // Bag of words over the 10,000 most frequent words (the paper's Fig. 1 right); dense, 2 GB.
  if (name == "imdb") return data::load_imdb(data::fetch_imdb());
  if (!data::dataset_present(name)) {
    std::cerr << name << " is not in " << data::data_root().string() << "; fetching it\n";
    data::fetch_dataset(name);
  }
  return data::load_mnist(data::data_root() / name, name);
}

std::string apply_whitening(const std::string& requested, const std::string& dataset,
                            data::Splits& splits, data::Dataset* validation) {
  const std::string kind =
      requested == "auto" ? (dataset == "cifar10" ? "zca" : "none") : requested;
  if (kind == "standardize") {
    const auto standardizer = data::ChannelStandardizer::fit(splits.train);
    standardizer.apply(splits.train);
    standardizer.apply(splits.test);
    if (validation) standardizer.apply(*validation);
  } else if (kind == "zca") {
    // Fitted on the training split only; cached, since the eigen-decomposition takes a while.
    // Images held as bytes are whitened batch by batch as they are read.
    const auto zca = io::fit_or_load_zca(splits.train, data::data_root() / "cache");
    zca.apply(splits.train);
    zca.apply(splits.test);
    if (validation) zca.apply(*validation);
  }
  return kind;
}

}  // namespace adamite::train
