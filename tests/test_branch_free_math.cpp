// exp and log1p written as branch-free arithmetic (src/ops/branch_free_math.hpp), and softplus
// built on them, against the exact values (long double), in units in the last place.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "adamite/adamite.hpp"
#include "src/ops/branch_free_math.hpp"

namespace {

// |got − exact| in ulps of the float nearest `exact` (denormal spacing below the normals).
double ulps(float got, long double exact) {
  const long double magnitude =
      std::max(std::fabs(exact), (long double)std::numeric_limits<float>::min());
  int exponent = 0;
  std::frexp(magnitude, &exponent);
  const long double ulp = std::ldexp(1.0L, exponent - 24);
  return double(std::fabs((long double)got - exact) / ulp);
}

// Every float in [low, high) a `step` apart, and the worst error of f against exact.
template <class F, class Exact>
double worst_ulps(float low, float high, float step, F f, Exact exact, float* where) {
  double worst = 0;
  for (float x = low; x < high; x += step) {
    const double e = ulps(f(x), exact((long double)x));
    if (e > worst) {
      worst = e;
      *where = x;
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("branch-free exp: within 1.5 ulp of e^x from the underflow to the overflow") {
  using adamite::detail::exp_branch_free;
  float where = 0;
  // Normal results: x from −87.3 (e^x ≈ FLT_MIN) to 88.72 (e^x ≈ FLT_MAX).
  const double worst = worst_ulps(
      -87.3f, 88.72f, 1.0f / 1024, exp_branch_free, [](long double x) { return std::exp(x); },
      &where);
  INFO("worst at x = " << where);
  CHECK(worst <= 1.5);
  // Near 0, where e^x − 1 is small and the reduction must not lose it.
  CHECK(worst_ulps(
            -1e-3f, 1e-3f, 1e-7f, exp_branch_free, [](long double x) { return std::exp(x); },
            &where) <= 1.0);
  CHECK(exp_branch_free(0.0f) == 1.0f);
  CHECK(exp_branch_free(89.0f) == std::numeric_limits<float>::infinity());
  CHECK(exp_branch_free(std::numeric_limits<float>::infinity()) ==
        std::numeric_limits<float>::infinity());
  CHECK(exp_branch_free(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(exp_branch_free(-110.0f) == 0.0f);
  CHECK(std::isnan(exp_branch_free(std::numeric_limits<float>::quiet_NaN())));
  // Denormal results keep their value to the denormals' own spacing.
  for (const float x : {-88.0f, -95.5f, -100.0f, -103.0f})
    CHECK(std::fabs((long double)exp_branch_free(x) - std::exp((long double)x)) <=
          std::numeric_limits<float>::denorm_min());
}

TEST_CASE("branch-free log1p: within 1.5 ulp for every t >= 0, tiny t included") {
  using adamite::detail::log1p_nonnegative_branch_free;
  const auto exact = [](long double t) { return std::log1p(t); };
  float where = 0;
  double worst = worst_ulps(0.0f, 1.0f, 1.0f / 65536, log1p_nonnegative_branch_free, exact, &where);
  worst = std::max(
      worst, worst_ulps(1.0f, 4096.0f, 1.0f / 16, log1p_nonnegative_branch_free, exact, &where));
  INFO("worst at t = " << where);
  CHECK(worst <= 1.5);
  for (float t = 1e-30f; t < 1e30f; t *= 1.37f) {  // every magnitude, from denormal-small on
    CAPTURE(t);
    CHECK(ulps(log1p_nonnegative_branch_free(t), exact(t)) <= 1.5);
  }
  CHECK(log1p_nonnegative_branch_free(0.0f) == 0.0f);
  CHECK(log1p_nonnegative_branch_free(1e-30f) == 1e-30f);  // 1 + t rounds to 1: t itself
  CHECK(log1p_nonnegative_branch_free(std::numeric_limits<float>::infinity()) ==
        std::numeric_limits<float>::infinity());
  CHECK(std::isnan(log1p_nonnegative_branch_free(std::numeric_limits<float>::quiet_NaN())));
}

TEST_CASE("softplus: within 3 ulp of log(1 + e^x) over the whole range, vectorised or not") {
  // 100,003 values (an odd count, so vector loops have a remainder) from −100 to 100, and the
  // same values one at a time: every element is computed alike wherever it falls.
  const int64_t n = 100003;
  std::vector<float> values(n);
  for (int64_t i = 0; i < n; ++i) values[size_t(i)] = -100.0f + 200.0f * float(i) / float(n - 1);
  const adamite::Tensor x = adamite::Tensor::from_vector({n}, values);
  const std::vector<float> y = adamite::softplus(x).to_vector();
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    const long double v = values[size_t(i)];
    const long double exact = v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
    worst = std::max(worst, ulps(y[size_t(i)], exact));
  }
  CHECK(worst <= 3.0);
  for (const int64_t i : {int64_t{0}, int64_t{7}, n / 2, n - 1})
    CHECK(adamite::softplus(adamite::Tensor::from_vector({1}, {values[size_t(i)]})).item() ==
          y[size_t(i)]);
  // Large inputs: v itself (e^−v is far below v's last place); no overflow.
  CHECK(adamite::softplus(adamite::Tensor::from_vector({2}, {1e30f, -1e30f})).to_vector() ==
        std::vector<float>{1e30f, 0.0f});
}
