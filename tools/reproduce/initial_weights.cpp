#include "initial_weights.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace adamite::reproduce {
namespace {

// "2.weight" and "1.weight" are the same parameter of a Sequential with or without a dropout
// layer before it (dropout holds no weights): the names agree after the layer index.
bool same_parameter(const std::string& a, const std::string& b) {
  return a.substr(a.find('.') + 1) == b.substr(b.find('.') + 1);
}

std::string checksum_of(const std::vector<std::pair<std::string, Tensor>>& parameters) {
  uint64_t hash = 0xcbf29ce484222325ull;
  const auto mix = [&hash](const unsigned char* bytes, size_t size) {
    for (size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ull;
  };
  for (const auto& [name, parameter] : parameters) {
    mix(reinterpret_cast<const unsigned char*>(name.data()), name.size());
    mix(reinterpret_cast<const unsigned char*>(parameter.data()),
        sizeof(float) * size_t(parameter.numel()));
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace

InitialWeights::InitialWeights(const nn::Module& model) {
  for (const auto& [name, parameter] : model.named_parameters()) {
    Tensor copy = Tensor::empty(parameter.shape());
    std::copy_n(parameter.data(), parameter.numel(), copy.data());
    values_.emplace_back(name, copy);
  }
}

void InitialWeights::load_into(nn::Module& model) const {
  const auto parameters = model.named_parameters();
  if (parameters.size() != values_.size())
    throw std::invalid_argument("initial weights: the model has " +
                                std::to_string(parameters.size()) + " parameters, the snapshot " +
                                std::to_string(values_.size()));
  for (size_t i = 0; i < parameters.size(); ++i) {
    const auto& [name, parameter] = parameters[i];
    const auto& [snapshot_name, value] = values_[i];
    if (!same_parameter(name, snapshot_name) || parameter.shape() != value.shape())
      throw std::invalid_argument("initial weights: parameter " + std::to_string(i) + " is '" +
                                  name + "', the snapshot has '" + snapshot_name +
                                  "' or another shape");
    std::copy_n(value.data(), value.numel(), parameter.data());
  }
}

std::string InitialWeights::checksum() const {
  return checksum_of(values_);
}

std::string weights_checksum(const nn::Module& model) {
  return checksum_of(model.named_parameters());
}

}  // namespace adamite::reproduce
