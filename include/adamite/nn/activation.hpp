// Activation layers: parameter-free wrappers of the pointwise ops, for Sequential.
#pragma once

#include "adamite/nn/module.hpp"

namespace adamite::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string describe() const override { return "ReLU()"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string describe() const override { return "Sigmoid()"; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string describe() const override { return "Tanh()"; }
};

class Softplus : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string describe() const override { return "Softplus()"; }
};

}  // namespace adamite::nn
