// Adam, Algorithm 1 of Kingma & Ba (ICLR 2015), exactly:
//   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
//   m̂ = m / (1−β1ᵗ);  v̂ = v / (1−β2ᵗ);  θ ← θ − α m̂ / (√v̂ + ε)
// ε is outside the square root; t counts optimizer steps. bias_correction(false) uses m and v
// directly (the paper's Figure 4 ablation). ε = 0 is allowed: a coordinate whose gradient has
// always been 0 is then left unchanged.
//
// AMSGrad (Reddi, Kale & Kumar, ICLR 2018), amsgrad(true): also keeps v_max ← max(v_max, v) and
// divides by √(v_max/(1−β2ᵗ)) + ε instead — PyTorch's form, which keeps Adam's bias correction
// (the paper's algorithm has none; bias_correction(false) gives it). The extra state buffer
// "max_exp_avg_sq" exists only when the defaults turn AMSGrad on; a parameter group may then turn
// it off, but not on when the defaults leave it off.
#pragma once

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

#define ADAMITE_ADAM_ARGS(ARG)                 \
  ARG(Betas, betas, (Betas{0.9, 0.999}), unit) \
  ARG(double, eps, 1e-8, non_negative)         \
  ARG(bool, bias_correction, true, any)        \
  ARG(bool, amsgrad, false, any)

struct AdamOptions : OptionsOf<AdamOptions> {
  static constexpr double kDefaultLr = 1e-3;
  ADAMITE_OPTIONS(ADAMITE_ADAM_ARGS)
  // "amsgrad" when AMSGrad is on (the registry's name for it), else "adam".
  std::string algorithm() const { return amsgrad() ? "amsgrad" : "adam"; }
};

class Adam : public OptimizerOf<AdamOptions> {
 public:
  using OptimizerOf::OptimizerOf;

 private:
  void update(const AdamOptions& o, double lr, ParamView& p, int64_t t) override;
  const StateSlot exp_avg_ = add_state("exp_avg");        // m
  const StateSlot exp_avg_sq_ = add_state("exp_avg_sq");  // v
  const StateSlot max_exp_avg_sq_ =                       // v_max
      add_state_if([](const AdamOptions& o) { return o.amsgrad(); }, "max_exp_avg_sq");
};

}  // namespace adamite::optim
