#include "adamite/nn/clip_grad.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace adamite::nn {

double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm) {
  if (!(max_norm > 0.0))
    throw std::invalid_argument("clip_grad_norm: max_norm must be > 0, got " +
                                std::to_string(max_norm));
  double squares = 0.0;
  for (const Tensor& p : parameters)
    if (p.grad().defined()) squares += p.grad().array().cast<double>().square().sum();
  const double norm = std::sqrt(squares);
  const double scale = max_norm / (norm + 1e-6);
  if (std::isfinite(norm) && scale < 1.0)
    for (const Tensor& p : parameters)
      if (p.grad().defined()) p.grad().array() *= static_cast<float>(scale);
  return norm;
}

void clip_grad_value(const std::vector<Tensor>& parameters, double clip) {
  if (!(clip >= 0.0))
    throw std::invalid_argument("clip_grad_value: clip must be >= 0, got " + std::to_string(clip));
  const auto bound = static_cast<float>(clip);
  for (const Tensor& p : parameters)
    if (p.grad().defined()) p.grad().array() = p.grad().array().max(-bound).min(bound);
}

}  // namespace adamite::nn
