// Finite-difference gradient checking for ops.
//
// The op's output is reduced to a scalar with fixed random weights R (L = Σ out·R), so every
// output element's gradient is exercised. The analytic gradient comes from backward(); the numeric
// one from central differences of L computed in double. The analytic pass runs on NaN-poisoned
// storage (PoisonedStorage), so a gradient or output left partly unwritten cannot pass.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "adamite/adamite.hpp"
#include "adamite/detail/storage_pool.hpp"

namespace adamite::testing {

inline Tensor random_tensor(const Shape& shape, Generator& gen, float low = -1.0f,
                            float high = 1.0f) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = gen.uniform(low, high);
  return t;
}

// Values in ±[low, high]: keeps inputs away from kinks (relu at 0) and poles (1/x at 0).
inline Tensor away_from_zero(const Shape& shape, Generator& gen, float low = 0.1f,
                             float high = 1.0f) {
  Tensor t = random_tensor(shape, gen, low, high);
  for (int64_t i = 0; i < t.numel(); ++i)
    if (gen.uniform() < 0.5f) t.data()[i] = -t.data()[i];
  return t;
}

// While it lives, new tensor storage holds NaNs: an op that reads memory nobody wrote, or leaves
// part of its output or of a fresh gradient unwritten, yields NaNs that a check catches.
struct PoisonedStorage {
  PoisonedStorage() { detail::poison_new_storage(true); }
  ~PoisonedStorage() { detail::poison_new_storage(false); }
  PoisonedStorage(const PoisonedStorage&) = delete;
  PoisonedStorage& operator=(const PoisonedStorage&) = delete;
};

inline void check_gradients(const std::string& what, const std::vector<Tensor>& inputs,
                            const std::function<Tensor(const std::vector<Tensor>&)>& f,
                            double h = 1e-3, double tolerance = 1e-2) {
  CAPTURE(what);
  for (const Tensor& x : inputs) {
    x.set_requires_grad(true);
    x.set_grad(Tensor());
  }
  Generator gen(1234);
  Tensor weights;
  {
    const PoisonedStorage poisoned;
    const Tensor out = f(inputs);
    weights = random_tensor(out.shape(), gen);
    sum(mul(out, weights)).backward();
  }

  auto objective = [&]() {
    NoGradGuard no_grad;
    const Tensor y = f(inputs);
    double total = 0.0;
    for (int64_t i = 0; i < y.numel(); ++i)
      total += double(y.data()[i]) * double(weights.data()[i]);
    return total;
  };
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    REQUIRE_MESSAGE(x.grad().defined(), what << ": input " << k << " got no gradient");
    std::vector<double> numeric(size_t(x.numel()));
    double largest = 0.0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      float& v = x.data()[i];
      const float saved = v;
      v = saved + float(h);
      const double plus = objective();
      v = saved - float(h);
      const double minus = objective();
      v = saved;
      numeric[size_t(i)] = (plus - minus) / (2.0 * h);
      largest = std::max(largest, std::fabs(numeric[size_t(i)]));
    }
    // The error allowed is relative to the element's gradient, with a floor relative to this
    // input's largest gradient (at most 1): a floor of 1 would let a mean's backward over 20
    // elements (gradients <= 0.05) divide by 19. 1e-3 keeps inputs of tiny gradients from asking
    // for more than finite differences in float can give.
    const double floor = std::clamp(largest, 1e-3, 1.0);
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double analytic = x.grad().data()[i], expected = numeric[size_t(i)];
      CHECK_MESSAGE(
          std::fabs(expected - analytic) <= tolerance * std::max(floor, std::fabs(expected)),
          what << ": input " << k << " element " << i << " analytic " << analytic << " numeric "
               << expected << " (largest gradient " << largest << ")");
    }
  }
}

}  // namespace adamite::testing
