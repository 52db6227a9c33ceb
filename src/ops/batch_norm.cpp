#include "adamite/ops/batch_norm.hpp"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"
#include "axes.hpp"
#include "fresh_gradient.hpp"
#include "select.hpp"

namespace adamite {
namespace {

// What the backward pass needs: the input, γ, and per channel the mean and 1/√(σ² + ε) used.
struct BatchNormSaved {
  Tensor x, weight, bias, mean, invstd;
  detail::Axes axes;  // [N, C, H·W…] seen as [outer, size, inner]
  bool training;
  bool relu;  // followed by ReLU, in the same passes
};

// γ·x̂ + β, or its ReLU: the one expression both passes evaluate, so that the backward pass's
// ReLU mask is the forward pass's.
inline float normalized(float xhat, float gamma, float beta) {
  return xhat * gamma + beta;
}

// One channel's elements: x[o, c, i] for every o and i, in a fixed order (rows of i contiguous).
template <class Visit>
void for_channel(const detail::Axes& a, int64_t c, Visit visit) {
  for (int64_t o = 0; o < a.outer; ++o) {
    const int64_t row = a.at(o, c, 0);
    for (int64_t i = 0; i < a.inner; ++i) visit(row + i);
  }
}

// Σ values(at)[k] over one channel, for each of the K values that values(at) returns (several
// sums in one pass over memory): each row summed in 16 float lanes (so it vectorizes), the rows in
// double. The order is fixed, so the bits do not depend on the thread count.
template <size_t K, class Values>
std::array<double, K> channel_sums(const detail::Axes& a, int64_t c, Values values) {
  constexpr int64_t kLanes = 16;
  std::array<double, K> total{};
  for (int64_t o = 0; o < a.outer; ++o) {
    const int64_t row = a.at(o, c, 0);
    float lanes[K][kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= a.inner; i += kLanes)
      for (int64_t j = 0; j < kLanes; ++j) {
        const std::array<float, K> v = values(row + i + j);
        for (size_t k = 0; k < K; ++k) lanes[k][j] += v[k];
      }
    std::array<double, K> sum{};
    for (; i < a.inner; ++i) {
      const std::array<float, K> v = values(row + i);
      for (size_t k = 0; k < K; ++k) sum[k] += v[k];
    }
    for (size_t k = 0; k < K; ++k) {
      for (const float lane : lanes[k]) sum[k] += lane;
      total[k] += sum[k];
    }
  }
  return total;
}

template <class Value>
double channel_sum(const detail::Axes& a, int64_t c, Value value) {
  return channel_sums<1>(a, c, [&](int64_t at) { return std::array<float, 1>{value(at)}; })[0];
}

Tensor batch_norm_forward(const BatchNormSaved& s, const Tensor& running_mean,
                          const Tensor& running_var, float momentum, float eps) {
  const detail::Axes& a = s.axes;
  const double m = static_cast<double>(a.outer * a.inner);
  Tensor y = Tensor::empty(s.x.shape());
  const float* x = s.x.data();
  float* out = y.data();
  // Channels are independent: a thread per channel block never changes a bit.
#pragma omp parallel for schedule(static) if (s.x.numel() >= (int64_t{1} << 16))
  for (int64_t c = 0; c < a.size; ++c) {
    double mean = 0.0, var = 0.0;
    if (s.training) {
      mean = channel_sum(a, c, [&](int64_t at) { return x[at]; }) / m;
      const auto mu = static_cast<float>(mean);
      // Biased, for normalising (the running estimate below is unbiased, as PyTorch's).
      var = channel_sum(a, c, [&](int64_t at) { return (x[at] - mu) * (x[at] - mu); }) / m;
      if (running_mean.defined()) {
        float& rm = running_mean.data()[c];
        float& rv = running_var.data()[c];
        rm = static_cast<float>((1.0 - momentum) * rm + momentum * mean);
        rv = static_cast<float>((1.0 - momentum) * rv + momentum * var * m / (m - 1.0));
      }
    } else {
      mean = running_mean.data()[c];
      var = running_var.data()[c];
    }
    const auto invstd = static_cast<float>(1.0 / std::sqrt(var + eps));
    s.mean.data()[c] = static_cast<float>(mean);
    s.invstd.data()[c] = invstd;
    const float gamma = s.weight.defined() ? s.weight.data()[c] : 1.0f;
    const float beta = s.bias.defined() ? s.bias.data()[c] : 0.0f;
    const auto mu = static_cast<float>(mean);
    if (s.relu)
      for_channel(a, c, [&](int64_t at) {
        const float v = normalized((x[at] - mu) * invstd, gamma, beta);
        out[at] = v > 0.0f ? v : 0.0f;
      });
    else
      for_channel(a, c,
                  [&](int64_t at) { out[at] = normalized((x[at] - mu) * invstd, gamma, beta); });
  }
  return y;
}

// With x̂ = (x − μ)·invstd and g = dy (or, followed by ReLU, dy where γ·x̂ + β > 0, else 0),
// per channel over its m elements:
//   training:   dx = γ·invstd/m · (m·g − Σg − x̂·Σ(g·x̂))   (μ and σ² depend on x)
//   evaluation: dx = γ·invstd·g
//   dγ = Σ g·x̂,  dβ = Σ g
// dx = … where FreshDx (x had no gradient yet), dx += … otherwise; dx null: x needs none.
template <bool Relu, bool FreshDx>
void batch_norm_backward(const BatchNormSaved& s, const Tensor& grad_y, float* dx) {
  const detail::Axes& a = s.axes;
  const double m = static_cast<double>(a.outer * a.inner);
  const float *x = s.x.data(), *dy = grad_y.data();
  float* dgamma =
      s.weight.defined() && s.weight.requires_grad() ? s.weight.grad_or_zeros().data() : nullptr;
  float* dbeta =
      s.bias.defined() && s.bias.requires_grad() ? s.bias.grad_or_zeros().data() : nullptr;
#pragma omp parallel for schedule(static) if (s.x.numel() >= (int64_t{1} << 16))
  for (int64_t c = 0; c < a.size; ++c) {
    const float mu = s.mean.data()[c], invstd = s.invstd.data()[c];
    const float gamma = s.weight.defined() ? s.weight.data()[c] : 1.0f;
    const float beta = s.bias.defined() ? s.bias.data()[c] : 0.0f;
    // g at one element, with its x̂; ReLU's derivative as relu()'s: dy·1 or dy·0.
    const auto g = [&](int64_t at, float xhat) {
      if constexpr (Relu)
        return dy[at] * detail::select(normalized(xhat, gamma, beta) > 0.0f, 1.0f, 0.0f);
      else
        return dy[at];
    };
    // Σ g·x̂ as (g·(x − μ))·invstd, the order batch_norm's bits have always had.
    const auto [sum_g, sum_g_xhat] = channel_sums<2>(a, c, [&](int64_t at) {
      const float gi = g(at, (x[at] - mu) * invstd);
      return std::array<float, 2>{gi, gi * (x[at] - mu) * invstd};
    });
    if (dgamma) dgamma[c] += static_cast<float>(sum_g_xhat);
    if (dbeta) dbeta[c] += static_cast<float>(sum_g);
    if (!dx) continue;
    if (!s.training) {
      for_channel(a, c, [&](int64_t at) {
        detail::write_or_add<FreshDx>(dx[at], gamma * invstd * g(at, (x[at] - mu) * invstd));
      });
      continue;
    }
    const auto mean_g = static_cast<float>(sum_g / m);
    const auto mean_g_xhat = static_cast<float>(sum_g_xhat / m);
    for_channel(a, c, [&](int64_t at) {
      const float xhat = (x[at] - mu) * invstd;
      detail::write_or_add<FreshDx>(dx[at],
                                    gamma * invstd * (g(at, xhat) - mean_g - xhat * mean_g_xhat));
    });
  }
}

void batch_norm_backward(const BatchNormSaved& s, const Tensor& grad_y) {
  const auto run = [&](auto relu) {
    if (s.x.requires_grad())
      detail::write_or_add_gradient(
          s.x, [&](float* dx, auto fresh) { batch_norm_backward<relu, fresh>(s, grad_y, dx); });
    else
      batch_norm_backward<relu, false>(s, grad_y, nullptr);
  };
  s.relu ? run(std::true_type{}) : run(std::false_type{});
}

Tensor batch_norm(const char* name, const Tensor& x, const Tensor& running_mean,
                  const Tensor& running_var, const Tensor& weight, const Tensor& bias,
                  bool training, float momentum, float eps, bool relu) {
  if (x.dim() < 2)
    throw std::invalid_argument(std::string(name) + ": input must be [N, C, ...], got " +
                                to_string(x.shape()));
  const detail::Axes axes = detail::axes_around(x.shape(), 1);
  const Shape channels{axes.size};
  for (const Tensor* t : {&running_mean, &running_var, &weight, &bias})
    if (t->defined() && t->shape() != channels)
      throw std::invalid_argument(std::string(name) + ": input " + to_string(x.shape()) + " has " +
                                  std::to_string(axes.size) + " channels, a statistic or affine " +
                                  "tensor has shape " + to_string(t->shape()));
  if (running_mean.defined() != running_var.defined())
    throw std::invalid_argument(std::string(name) + ": give both running statistics or neither");
  if (!training && !running_mean.defined())
    throw std::invalid_argument(std::string(name) + ": evaluation needs the running statistics");
  if (training && axes.outer * axes.inner < 2)
    throw std::invalid_argument(std::string(name) +
                                ": training needs more than 1 value per channel, got " +
                                to_string(x.shape()));
  const BatchNormSaved saved{x,    weight,   bias, Tensor::empty(channels), Tensor::empty(channels),
                             axes, training, relu};
  Tensor y = batch_norm_forward(saved, running_mean, running_var, momentum, eps);
  record(name, y, {x, weight, bias},
         [saved](const Tensor& grad_y) { batch_norm_backward(saved, grad_y); });
  return y;
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, float momentum,
                  float eps) {
  return batch_norm("batch_norm", x, running_mean, running_var, weight, bias, training, momentum,
                    eps, false);
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, float momentum,
                       float eps) {
  return batch_norm("batch_norm_relu", x, running_mean, running_var, weight, bias, training,
                    momentum, eps, true);
}

}  // namespace adamite
