// Internal to src/optim: the Adam update, shared by Adam, AMSGrad (Adam with a running maximum of
// v) and AdamW (Adam after a decoupled weight decay), so the arithmetic exists once.
#pragma once

#include <cstdint>

#include "adamite/tensor.hpp"

namespace adamite::optim::detail {

struct AdamMoments {
  double beta1, beta2, epsilon;
  bool bias_correction;
};

// The moments' settings of AdamOptions or AdamWOptions.
template <class AdamFamilyOptions>
AdamMoments moments_of(const AdamFamilyOptions& o) {
  return {o.betas().beta1, o.betas().beta2, o.eps(), o.bias_correction()};
}

// m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
// with v_max (AMSGrad): v_max ← max(v_max, v), and v_max replaces v below
// θ ← θ − α m̂ / (√v̂ + ε),  m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)  (m̂ = m, v̂ = v without bias correction)
// With ε = 0, coordinates whose denominator is 0 (g has always been 0) are left unchanged.
void adam_step(ArrayMap& theta, const ArrayMap& grad, ArrayMap m, ArrayMap v, ArrayMap* v_max,
               double lr, const AdamMoments& h, int64_t t);

}  // namespace adamite::optim::detail
