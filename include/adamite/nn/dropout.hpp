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
  // Where the next inputs start in their whole minibatch (ops/dropout.hpp: the masks follow the
  // row): set by train::fit's step while it runs a minibatch in shards, 0 otherwise.
  void set_first_row(int64_t row) { first_row_ = row; }

 private:
  float p_;
  Generator* generator_;
  int64_t first_row_ = 0;
};

}  // namespace adamite::nn
