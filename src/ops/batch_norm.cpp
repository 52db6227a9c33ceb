#include "adamite/ops/batch_norm.hpp"

#include <omp.h>

#include <algorithm>
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

// Channels are walked in groups of neighbours, image by image, so that each image's rows of the
// group are read as one block of memory: one channel at a time, ResNet's 8x8 layers were read as
// rows of 64 values 16 KB apart, at a third of the speed of a contiguous pass. Each channel's
// values are still visited and summed in the same order, so the bits depend neither on the group
// nor on the thread count.
constexpr int64_t kMaxGroup = 16;

struct ChannelGroup {
  int64_t first, count;
};

// Enough channels that an image's rows of the group make at least 1,024 values side by side, but
// no more than leave every thread a group (the bits do not depend on the grouping).
int64_t group_size(const detail::Axes& a) {
  const int64_t per_thread = std::max<int64_t>(1, a.size / omp_get_max_threads());
  return std::clamp<int64_t>(1024 / std::max<int64_t>(a.inner, 1), 1,
                             std::min(kMaxGroup, per_thread));
}

// Runs body(group) for every group, the groups spread over the threads.
template <class Body>
void for_each_group(const Tensor& x, const detail::Axes& a, Body body) {
  const int64_t size = group_size(a), groups = (a.size + size - 1) / size;
#pragma omp parallel for schedule(static) if (x.numel() >= (int64_t{1} << 16))
  for (int64_t k = 0; k < groups; ++k)
    body(ChannelGroup{k * size, std::min(size, a.size - k * size)});
}

// visit(j, at) for the group's j-th channel at every element x[o, c, i] of it.
template <class Visit>
void for_group(const detail::Axes& a, ChannelGroup g, Visit visit) {
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t j = 0; j < g.count; ++j) {
      const int64_t row = a.at(o, g.first + j, 0);
      for (int64_t i = 0; i < a.inner; ++i) visit(j, row + i);
    }
}

// Per channel j of the group, Σ values(j, at)[k] for each of the K values values() returns
// (several sums in one pass over memory): each row summed in 16 float lanes (so it vectorizes),
// the rows in double, in a fixed order.
template <size_t K, class Values>
std::array<std::array<double, K>, kMaxGroup> group_sums(const detail::Axes& a, ChannelGroup g,
                                                        Values values) {
  constexpr int64_t kLanes = 16;
  std::array<std::array<double, K>, kMaxGroup> total{};
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t j = 0; j < g.count; ++j) {
      const int64_t row = a.at(o, g.first + j, 0);
      float lanes[K][kLanes] = {};
      int64_t i = 0;
      for (; i + kLanes <= a.inner; i += kLanes)
        for (int64_t l = 0; l < kLanes; ++l) {
          const std::array<float, K> v = values(j, row + i + l);
          for (size_t k = 0; k < K; ++k) lanes[k][l] += v[k];
        }
      std::array<double, K> sum{};
      for (; i < a.inner; ++i) {
        const std::array<float, K> v = values(j, row + i);
        for (size_t k = 0; k < K; ++k) sum[k] += v[k];
      }
      const bool laned = a.inner >= kLanes;  // else the lanes hold zeros (BatchNorm1d's rows of 1)
      for (size_t k = 0; k < K; ++k) {
        if (laned)
          for (const float lane : lanes[k]) sum[k] += lane;
        total[j][k] += sum[k];
      }
    }
  return total;
}

// The per-channel constants of one group, gathered so that the inner loops index small arrays:
// μ and 1/√(σ² + ε) as the forward pass saved them, γ and β (or 1 and 0).
struct GroupConstants {
  float mu[kMaxGroup], invstd[kMaxGroup], gamma[kMaxGroup], beta[kMaxGroup];
};

GroupConstants constants_of(const BatchNormSaved& s, ChannelGroup g) {
  GroupConstants k;
  for (int64_t j = 0; j < g.count; ++j) {
    const int64_t c = g.first + j;
    k.mu[j] = s.mean.data()[c];
    k.invstd[j] = s.invstd.data()[c];
    k.gamma[j] = s.weight.defined() ? s.weight.data()[c] : 1.0f;
    k.beta[j] = s.bias.defined() ? s.bias.data()[c] : 0.0f;
  }
  return k;
}

Tensor batch_norm_forward(const BatchNormSaved& s, const Tensor& running_mean,
                          const Tensor& running_var, float momentum, float eps) {
  const detail::Axes& a = s.axes;
  const double m = static_cast<double>(a.outer * a.inner);
  Tensor y = Tensor::empty(s.x.shape());
  const float* x = s.x.data();
  float* out = y.data();
  for_each_group(s.x, a, [&](ChannelGroup g) {
    double mean[kMaxGroup], var[kMaxGroup];
    if (s.training) {
      const auto sums =
          group_sums<1>(a, g, [&](int64_t, int64_t at) { return std::array<float, 1>{x[at]}; });
      float mu[kMaxGroup];
      for (int64_t j = 0; j < g.count; ++j) {
        mean[j] = sums[j][0] / m;
        mu[j] = static_cast<float>(mean[j]);
      }
      // Biased, for normalising (the running estimate below is unbiased, as PyTorch's).
      const auto squares = group_sums<1>(a, g, [&](int64_t j, int64_t at) {
        return std::array<float, 1>{(x[at] - mu[j]) * (x[at] - mu[j])};
      });
      for (int64_t j = 0; j < g.count; ++j) {
        var[j] = squares[j][0] / m;
        if (!running_mean.defined()) continue;
        float& rm = running_mean.data()[g.first + j];
        float& rv = running_var.data()[g.first + j];
        rm = static_cast<float>((1.0 - momentum) * rm + momentum * mean[j]);
        rv = static_cast<float>((1.0 - momentum) * rv + momentum * var[j] * m / (m - 1.0));
      }
    } else {
      for (int64_t j = 0; j < g.count; ++j) {
        mean[j] = running_mean.data()[g.first + j];
        var[j] = running_var.data()[g.first + j];
      }
    }
    for (int64_t j = 0; j < g.count; ++j) {
      s.mean.data()[g.first + j] = static_cast<float>(mean[j]);
      s.invstd.data()[g.first + j] = static_cast<float>(1.0 / std::sqrt(var[j] + eps));
    }
    const GroupConstants k = constants_of(s, g);
    const auto value = [&](int64_t j, int64_t at) {
      return normalized((x[at] - k.mu[j]) * k.invstd[j], k.gamma[j], k.beta[j]);
    };
    if (s.relu)
      for_group(a, g, [&](int64_t j, int64_t at) {
        const float v = value(j, at);
        out[at] = v > 0.0f ? v : 0.0f;
      });
    else
      for_group(a, g, [&](int64_t j, int64_t at) { out[at] = value(j, at); });
  });
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
  for_each_group(s.x, a, [&](ChannelGroup grp) {
    const GroupConstants k = constants_of(s, grp);
    const auto xhat = [&](int64_t j, int64_t at) { return (x[at] - k.mu[j]) * k.invstd[j]; };
    // g at one element; ReLU's derivative as relu()'s: dy·1 or dy·0.
    const auto g = [&](int64_t j, int64_t at) {
      if constexpr (Relu)
        return dy[at] *
               detail::select(normalized(xhat(j, at), k.gamma[j], k.beta[j]) > 0.0f, 1.0f, 0.0f);
      else
        return dy[at];
    };
    // Σ g·x̂ as (g·(x − μ))·invstd, the order batch_norm's bits have always had.
    const auto sums = group_sums<2>(a, grp, [&](int64_t j, int64_t at) {
      const float gi = g(j, at);
      return std::array<float, 2>{gi, gi * (x[at] - k.mu[j]) * k.invstd[j]};
    });
    float mean_g[kMaxGroup], mean_g_xhat[kMaxGroup];
    for (int64_t j = 0; j < grp.count; ++j) {
      const auto [sum_g, sum_g_xhat] = sums[j];
      if (dgamma) dgamma[grp.first + j] += static_cast<float>(sum_g_xhat);
      if (dbeta) dbeta[grp.first + j] += static_cast<float>(sum_g);
      mean_g[j] = static_cast<float>(sum_g / m);
      mean_g_xhat[j] = static_cast<float>(sum_g_xhat / m);
    }
    if (!dx) return;
    if (!s.training) {
      for_group(a, grp, [&](int64_t j, int64_t at) {
        detail::write_or_add<FreshDx>(dx[at], k.gamma[j] * k.invstd[j] * g(j, at));
      });
      return;
    }
    for_group(a, grp, [&](int64_t j, int64_t at) {
      const float xh = xhat(j, at);
      detail::write_or_add<FreshDx>(
          dx[at], k.gamma[j] * k.invstd[j] * (g(j, at) - mean_g[j] - xh * mean_g_xhat[j]));
    });
  });
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
