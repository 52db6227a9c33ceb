// Initialisers, as torch.nn.init: each fills a tensor in place (outside any graph) from a
// generator, for a layer's weight after construction, e.g.
//   nn::init::kaiming_normal(conv->weight());  nn::init::zeros(conv->bias());
// Fans are PyTorch's: a weight [out, in, k...] has fan_in = in·Πk and fan_out = out·Πk.
#pragma once

#include "adamite/random.hpp"
#include "adamite/tensor.hpp"

namespace adamite::nn::init {

struct Fans {
  double in, out;
};
// Throws for a tensor of fewer than 2 dimensions (it has no fans), naming its shape.
Fans fans(const Tensor& weight);

void zeros(const Tensor& t);
void ones(const Tensor& t);
void constant(const Tensor& t, float value);
void uniform(const Tensor& t, float low, float high, Generator& generator = default_generator());
void normal(const Tensor& t, float mean, float stddev, Generator& generator = default_generator());

// Glorot & Bengio (2010): variance 2/(fan_in + fan_out), times gain².
void xavier_uniform(const Tensor& weight, float gain = 1.0f,
                    Generator& generator = default_generator());
void xavier_normal(const Tensor& weight, float gain = 1.0f,
                   Generator& generator = default_generator());
// He et al. (2015), fan_in mode: variance 2/((1 + a²)·fan_in), a the slope of the rectifier's
// negative part (0 for ReLU, as PyTorch's nonlinearity='relu').
void kaiming_uniform(const Tensor& weight, float a = 0.0f,
                     Generator& generator = default_generator());
void kaiming_normal(const Tensor& weight, float a = 0.0f,
                    Generator& generator = default_generator());

}  // namespace adamite::nn::init
