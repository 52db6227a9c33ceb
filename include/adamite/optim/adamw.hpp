// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, ICLR 2019), in PyTorch's form:
//   θ ← θ (1 − α λ)                       the decay, applied first, scaled by the learning rate
//   then Adam exactly as in adam.hpp:      m, v, m̂, v̂;  θ ← θ − α m̂ / (√v̂ + ε)
// The decay is not added to the gradient, so it does not pass through m and v — that is the
// point. The paper multiplies λ by the schedule multiplier ηₜ only (θ ← θ − ηₜ(α m̂/(√v̂+ε) + λθ));
// PyTorch and this library multiply it by the learning rate α·ηₜ, so λ here is the paper's λ/α.
// AdamWOptions::weight_decay(λ) sets the decoupled λ (default 1e-2); the base L2 term
// Options::weight_decay must stay 0.
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

// weight_decay is the decoupled λ: it hides Options::weight_decay, the L2 term, which stays 0.
#define ADAMITE_ADAMW_ARGS(ARG)                 \
  ARG(Betas, betas, (Betas{0.9, 0.999}), unit)  \
  ARG(double, eps, 1e-8, non_negative)          \
  ARG(double, weight_decay, 1e-2, non_negative) \
  ARG(bool, bias_correction, true, any)

struct AdamWOptions : OptionsOf<AdamWOptions> {
  static constexpr double kDefaultLr = 1e-3;
  ADAMITE_OPTIONS(ADAMITE_ADAMW_ARGS)
  std::string algorithm() const { return "adamw"; }
  void check() const;  // the L2 Options::weight_decay is 0
};

class AdamW : public OptimizerOf<AdamWOptions> {
 public:
  using OptimizerOf::OptimizerOf;

 private:
  void update(const AdamWOptions& o, double lr, ParamView& p, int64_t t) override;
  const StateSlot exp_avg_ = add_state("exp_avg");        // m
  const StateSlot exp_avg_sq_ = add_state("exp_avg_sq");  // v
};

}  // namespace adamite::optim
