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

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(float negative_slope = 0.01f) : slope_(negative_slope) {}
  Tensor forward(const Tensor& input) override;
  std::string describe() const override;

 private:
  float slope_;
};

class ELU : public Module {
 public:
  explicit ELU(float alpha = 1.0f) : alpha_(alpha) {}
  Tensor forward(const Tensor& input) override;
  std::string describe() const override;

 private:
  float alpha_;
};

class GELU : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string describe() const override { return "GELU()"; }
};

// Passes its input through: a placeholder, e.g. a residual block's shortcut.
class Identity : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input; }
  std::string describe() const override { return "Identity()"; }
};

}  // namespace adamite::nn
