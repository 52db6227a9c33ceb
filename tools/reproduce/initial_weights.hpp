// The paper's protocol: every optimizer in a comparison starts from the same initial weights.
// A snapshot of a freshly initialised model is copied into each run's model, and a checksum of the
// starting weights is written beside every run so that anyone can check it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "adamite/nn/module.hpp"

namespace adamite::reproduce {

class InitialWeights {
 public:
  explicit InitialWeights(const nn::Module& model);
  // Copies the snapshot into `model`; throws std::invalid_argument if its parameters' names or
  // shapes differ from the snapshot's (names may differ in their layer index only, so that a
  // model without dropout layers starts from its dropout twin's weights).
  void load_into(nn::Module& model) const;
  // weights_checksum of the snapshot, the same for every run started from it.
  std::string checksum() const;

 private:
  std::vector<std::pair<std::string, Tensor>> values_;
};

// FNV-1a (64-bit, hex) of the parameters' names and bytes, in order.
std::string weights_checksum(const nn::Module& model);

}  // namespace adamite::reproduce
