// Flatten layer: [N, C, H, W] -> [N, C·H·W].
#pragma once

#include "adamite/nn/module.hpp"

namespace adamite::nn {

class Flatten : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string describe() const override { return "Flatten()"; }
};

}  // namespace adamite::nn
