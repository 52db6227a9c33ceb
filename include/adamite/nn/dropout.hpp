// Dropout layer: active in training mode, the identity in evaluation mode.
#pragma once

#include "adamite/nn/module.hpp"
#include "adamite/random.hpp"

namespace adamite::nn {

class Dropout : public Module {
 public:
  explicit Dropout(float p = 0.5f, Generator& generator = default_generator());
  Tensor forward(const Tensor& input) override;
  std::string describe() const override;
  float p() const { return p_; }

 private:
  float p_;
  Generator* generator_;
};

}  // namespace adamite::nn
