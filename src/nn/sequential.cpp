#include "adamite/nn/sequential.hpp"

#include <stdexcept>

namespace adamite::nn {

void Sequential::push_back(std::shared_ptr<Module> module) {
  if (!module) throw std::invalid_argument("Sequential: null module");
  register_module(std::to_string(size()), std::move(module));
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& [name, child] : children()) {
    try {
      x = child->forward(x);
    } catch (const std::invalid_argument& e) {  // a shape error: say which layer met it
      throw std::invalid_argument("Sequential layer " + name + " (" + child->describe() +
                                  "): " + e.what());
    }
  }
  return x;
}

}  // namespace adamite::nn
