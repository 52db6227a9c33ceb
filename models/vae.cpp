#include "models/vae.hpp"

#include <stdexcept>

#include "adamite/ops/activation.hpp"
#include "adamite/ops/elementwise.hpp"
#include "adamite/ops/reduce.hpp"
#include "adamite/ops/shape.hpp"

namespace adamite::models {

Vae::Vae(const VaeOptions& options, Generator& generator) : options_(options) {
  encoder_ = register_module(
      "encoder", std::make_shared<nn::Linear>(options.inputs, options.hidden, true, generator));
  mean_ = register_module(
      "mean", std::make_shared<nn::Linear>(options.hidden, options.latent, true, generator));
  log_variance_ = register_module(
      "log_variance",
      std::make_shared<nn::Linear>(options.hidden, options.latent, true, generator));
  decoder_hidden_ = register_module(
      "decoder_hidden",
      std::make_shared<nn::Linear>(options.latent, options.hidden, true, generator));
  decoder_output_ = register_module(
      "decoder_output",
      std::make_shared<nn::Linear>(options.hidden, options.inputs, true, generator));
}

Tensor Vae::flat_input(const Tensor& x, const char* caller) const {
  if (x.dim() < 2 || x.numel() != x.size(0) * options_.inputs)
    throw std::invalid_argument(std::string(caller) + ": expected [B, " +
                                std::to_string(options_.inputs) + "] (or [B, ...] with " +
                                std::to_string(options_.inputs) + " values per example), got " +
                                to_string(x.shape()));
  return x.dim() == 2 ? x : flatten(x, 1);
}

VaeEncoding Vae::encode(const Tensor& x) {
  const Tensor h = softplus(encoder_->forward(flat_input(x, "Vae::encode")));
  return {mean_->forward(h), log_variance_->forward(h)};
}

Tensor Vae::decode(const Tensor& z) {
  if (z.dim() != 2 || z.size(1) != options_.latent)
    throw std::invalid_argument("Vae::decode: expected z of shape [B, " +
                                std::to_string(options_.latent) + "], got " + to_string(z.shape()));
  return decoder_output_->forward(softplus(decoder_hidden_->forward(z)));
}

Tensor Vae::forward(const Tensor& x) {
  return decode(encode(x).mean);
}

Tensor Vae::negative_elbo(const Tensor& x, const Tensor& noise) {
  const Tensor targets = flat_input(x, "Vae::negative_elbo");
  const int64_t batch = targets.size(0);
  if (noise.shape() != Shape{batch, options_.latent})
    throw std::invalid_argument("Vae::negative_elbo: noise must be [" + std::to_string(batch) +
                                ", " + std::to_string(options_.latent) + "] for input " +
                                to_string(x.shape()) + ", got " + to_string(noise.shape()));
  const VaeEncoding q = encode(targets);
  // Reparameterisation: z is a differentiable function of (mean, log_variance) given the noise.
  const Tensor z = q.mean + exp(q.log_variance * 0.5f) * noise;
  const Tensor logits = decode(z);
  // −log Bernoulli(x | sigmoid(l)) = softplus(l) − x·l, stable for any l.
  const Tensor reconstruction = sum(softplus(logits) - targets * logits);
  // KL(N(μ, σ²) ‖ N(0, 1)) in closed form, summed over latent units and the batch.
  const Tensor kl = sum((1.0f + q.log_variance) - square(q.mean) - exp(q.log_variance)) * -0.5f;
  return (reconstruction + kl) * (1.0f / static_cast<float>(batch));
}

Tensor Vae::negative_elbo(const Tensor& x, Generator& generator) {
  if (x.dim() < 1)
    throw std::invalid_argument("Vae::negative_elbo: expected a batch, got a scalar");
  const Tensor noise = Tensor::empty({x.size(0), options_.latent});
  float* p = noise.data();
  for (int64_t i = 0; i < noise.numel(); ++i) p[i] = generator.normal();
  return negative_elbo(x, noise);
}

std::string Vae::describe() const {
  return "Vae(inputs=" + std::to_string(options_.inputs) +
         ", hidden=" + std::to_string(options_.hidden) +
         ", latent=" + std::to_string(options_.latent) + ")";
}

std::shared_ptr<Vae> vae(const VaeOptions& options) {
  return std::make_shared<Vae>(options);
}

}  // namespace adamite::models
