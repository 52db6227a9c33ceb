// The variational auto-encoder of the Adam paper's Figure 4 (Kingma & Welling, "Auto-Encoding
// Variational Bayes", ICLR 2014): a 784-500 softplus encoder with a 50-dimensional diagonal
// Gaussian latent (mean and log-variance heads), a mirrored decoder (50-500 softplus, 500-784
// logits) and a Bernoulli likelihood. Trained by minimising the negative ELBO with the
// reparameterisation trick. Built with the public API only.
//
// Parameter names (PyTorch Linear layout [out, in], default ±1/√in uniform init), in order:
//   encoder.weight         [hidden, inputs]    encoder.bias         [hidden]
//   mean.weight            [latent, hidden]    mean.bias            [latent]
//   log_variance.weight    [latent, hidden]    log_variance.bias    [latent]
//   decoder_hidden.weight  [hidden, latent]    decoder_hidden.bias  [hidden]
//   decoder_output.weight  [inputs, hidden]    decoder_output.bias  [inputs]
// the names a torch.nn.Module with attributes encoder, mean, log_variance, decoder_hidden,
// decoder_output (each an nn.Linear) would give.
#pragma once

#include <memory>
#include <string>

#include "adamite/nn/linear.hpp"
#include "adamite/random.hpp"

namespace adamite::models {

struct VaeOptions {
  int64_t inputs = 784;
  int64_t hidden = 500;
  int64_t latent = 50;
};

// The approximate posterior q(z|x) = N(mean, diag(exp(log_variance))), each [B, latent].
struct VaeEncoding {
  Tensor mean;
  Tensor log_variance;
};

class Vae : public nn::Module {
 public:
  explicit Vae(const VaeOptions& options = {}, Generator& generator = default_generator());

  // The reconstruction logits [B, inputs] of x ([B, inputs] or [B, ...] with that many values
  // per example), decoded from the latent mean (no noise): sigmoid of them is the reconstruction.
  Tensor forward(const Tensor& x) override;

  // q(z|x) for x as in forward.
  VaeEncoding encode(const Tensor& x);
  // The Bernoulli logits [B, inputs] of p(x|z) for z [B, latent].
  Tensor decode(const Tensor& z);

  // The negative evidence lower bound, averaged over the batch, as a scalar with its graph:
  //   z = mean + exp(0.5·log_variance)·noise
  //   loss = (1/B) Σ_b [ Σ_pixels (softplus(logit) − x·logit)
  //                      − 0.5 Σ_latent (1 + log_variance − mean² − exp(log_variance)) ]
  // x holds values in [0, 1] used as Bernoulli targets ([B, inputs] or e.g. [B, 1, 28, 28]);
  // noise is a [B, latent] standard-normal draw.
  Tensor negative_elbo(const Tensor& x, const Tensor& noise);
  // The same with noise drawn from generator.normal(), row by row.
  Tensor negative_elbo(const Tensor& x, Generator& generator);

  const VaeOptions& options() const { return options_; }
  std::string describe() const override;

 private:
  // x as [B, inputs]; throws std::invalid_argument on any other size.
  Tensor flat_input(const Tensor& x, const char* caller) const;

  VaeOptions options_;
  std::shared_ptr<nn::Linear> encoder_, mean_, log_variance_, decoder_hidden_, decoder_output_;
};

std::shared_ptr<Vae> vae(const VaeOptions& options = {});

}  // namespace adamite::models
