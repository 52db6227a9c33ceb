#include "adamite/nn/dropout.hpp"

#include <sstream>
#include <stdexcept>

#include "adamite/ops/dropout.hpp"

namespace adamite::nn {

Dropout::Dropout(float p, Generator& generator) : p_(p), generator_(&generator) {
  if (!(p >= 0.0f && p < 1.0f))
    throw std::invalid_argument("Dropout: p must be in [0, 1), got " + std::to_string(p));
}

Tensor Dropout::forward(const Tensor& input) {
  return dropout(input, p_, is_training(), *generator_, first_row_);
}

std::string Dropout::describe() const {
  std::ostringstream out;
  out << "Dropout(p=" << p_ << ")";
  return out.str();
}

}  // namespace adamite::nn
