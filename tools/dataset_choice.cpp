#include <filesystem>
#include <iostream>

#include "adamite/data/fetch.hpp"
#include "adamite/data/mnist.hpp"
#include "commands.hpp"

namespace adamite::cli {

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = {"mnist", "fashion-mnist"};
  return names;
}

data::Splits load_named_dataset(const std::string& name) {
  if (!data::dataset_present(name)) {
    std::cerr << name << " is not in " << data::data_root().string() << "; fetching it\n";
    data::fetch_dataset(name);
  }
  return data::load_mnist(data::data_root() / name, name);
}

}  // namespace adamite::cli
