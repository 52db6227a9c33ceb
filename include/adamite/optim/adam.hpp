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

struct AdamOptions : Options {
  explicit AdamOptions(double learning_rate = 1e-3) { lr = learning_rate; }
  AdamOptions& betas(double b1, double b2) {
    beta1 = b1;
    beta2 = b2;
    return *this;
  }
  AdamOptions& eps(double e) {
    epsilon = e;
    return *this;
  }
  AdamOptions& bias_correction(bool on) {
    correct_bias = on;
    return *this;
  }
  AdamOptions& amsgrad(bool on) {
    use_amsgrad = on;
    return *this;
  }
  AdamOptions& weight_decay(double wd) {
    Options::weight_decay = wd;
    return *this;
  }
  std::unique_ptr<Options> clone() const override { return std::make_unique<AdamOptions>(*this); }

  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  bool correct_bias = true;
  bool use_amsgrad = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = AdamOptions());
  Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults);
  // "amsgrad" when the defaults turn AMSGrad on (the registry's name for it), else "adam".
  std::string name() const override { return amsgrad_ ? "amsgrad" : "adam"; }

 protected:
  void update(const Options& options, double lr, ParamView& param, int64_t t) override;

 private:
  bool amsgrad_;
};

}  // namespace adamite::optim
