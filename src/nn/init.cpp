#include "adamite/nn/init.hpp"

#include <cmath>
#include <stdexcept>

namespace adamite::nn::init {

Fans fans(const Tensor& weight) {
  if (weight.dim() < 2)
    throw std::invalid_argument("init: a tensor of shape " + to_string(weight.shape()) +
                                " has no fan in and out (it needs 2 or more dimensions)");
  const double receptive = static_cast<double>(weight.numel() / (weight.size(0) * weight.size(1)));
  return {static_cast<double>(weight.size(1)) * receptive,
          static_cast<double>(weight.size(0)) * receptive};
}

void zeros(const Tensor& t) {
  t.fill_(0.0f);
}

void ones(const Tensor& t) {
  t.fill_(1.0f);
}

void constant(const Tensor& t, float value) {
  t.fill_(value);
}

void uniform(const Tensor& t, float low, float high, Generator& generator) {
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = generator.uniform(low, high);
}

void normal(const Tensor& t, float mean, float stddev, Generator& generator) {
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = mean + stddev * generator.normal();
}

// A uniform distribution on ±√3·σ has standard deviation σ.
void xavier_uniform(const Tensor& weight, float gain, Generator& generator) {
  const Fans f = fans(weight);
  const auto bound = static_cast<float>(gain * std::sqrt(6.0 / (f.in + f.out)));
  uniform(weight, -bound, bound, generator);
}

void xavier_normal(const Tensor& weight, float gain, Generator& generator) {
  const Fans f = fans(weight);
  normal(weight, 0.0f, static_cast<float>(gain * std::sqrt(2.0 / (f.in + f.out))), generator);
}

namespace {
float kaiming_std(const Tensor& weight, float a) {
  return static_cast<float>(std::sqrt(2.0 / (1.0 + double(a) * a) / fans(weight).in));
}
}  // namespace

void kaiming_uniform(const Tensor& weight, float a, Generator& generator) {
  const float bound = std::sqrt(3.0f) * kaiming_std(weight, a);
  uniform(weight, -bound, bound, generator);
}

void kaiming_normal(const Tensor& weight, float a, Generator& generator) {
  normal(weight, 0.0f, kaiming_std(weight, a), generator);
}

}  // namespace adamite::nn::init
