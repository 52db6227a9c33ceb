#include "adamite/optim/adam.hpp"

#include <algorithm>
#include <cmath>

#include "adam_step.hpp"

namespace adamite::optim {

namespace detail {
void adam_step(ArrayMap& theta, const ArrayMap& grad, ArrayMap m, ArrayMap v, ArrayMap* v_max,
               double lr, const AdamMoments& h, int64_t t) {
  // 1 − β is rounded from double: 1 − float(0.999) would be off by 1.3e-5 relative.
  const auto b1 = static_cast<float>(h.beta1), b2 = static_cast<float>(h.beta2);
  const auto c1 = static_cast<float>(1.0 - h.beta1), c2 = static_cast<float>(1.0 - h.beta2);
  // The corrections 1/(1−βᵗ) are computed in double: β2ᵗ is close to 1 for thousands of steps.
  const double m_scale = h.bias_correction ? 1.0 / (1.0 - std::pow(h.beta1, double(t))) : 1.0;
  const double v_scale = h.bias_correction ? 1.0 / (1.0 - std::pow(h.beta2, double(t))) : 1.0;
  const auto alpha = static_cast<float>(lr), eps = static_cast<float>(h.epsilon);
  const auto mc = static_cast<float>(m_scale), vc = static_cast<float>(v_scale);
  // Chunks small enough for L1/L2, so the four passes below read memory once instead of four
  // times; element-wise, so the result is the same for any number of threads.
  constexpr int64_t kChunk = 4096;
  const int64_t n = theta.size(), chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks >= 8)
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const int64_t begin = chunk * kChunk, len = std::min(kChunk, n - begin);
    auto th = theta.segment(begin, len);
    auto g = grad.segment(begin, len);
    auto mm = m.segment(begin, len), vv = v.segment(begin, len);
    mm = b1 * mm + c1 * g;
    vv = b2 * vv + c2 * g.square();
    if (v_max != nullptr) v_max->segment(begin, len) = v_max->segment(begin, len).max(vv);
    const auto second = v_max != nullptr ? v_max->segment(begin, len) : vv;
    if (eps > 0.0f) {
      th -= alpha * (mm * mc) / ((second * vc).sqrt() + eps);
    } else {  // ε = 0: no update (rather than 0/0) where v is 0
      th -= (second > 0.0f).select(alpha * (mm * mc) / (second * vc).sqrt(), 0.0f);
    }
  }
}
}  // namespace detail

void Adam::update(const AdamOptions& o, double lr, ParamView& p, int64_t t) {
  // A group may leave AMSGrad off when the defaults turn it on (it then ignores its v_max).
  ArrayMap v_max = max_exp_avg_sq_ ? p.state(max_exp_avg_sq_) : ArrayMap(nullptr, 0);
  detail::adam_step(p.theta, p.grad, p.state(exp_avg_), p.state(exp_avg_sq_),
                    o.amsgrad() ? &v_max : nullptr, lr, detail::moments_of(o), t);
}

}  // namespace adamite::optim
