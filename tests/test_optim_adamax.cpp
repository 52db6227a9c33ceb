// AdaMax (Kingma & Ba, Algorithm 2) against values computed by hand.
#include <doctest/doctest.h>

#include <cmath>

#include "adamite/optim/adamax.hpp"
#include "optim_support.hpp"

using namespace adamite;
using adamite::testing::check_close;
using adamite::testing::parameter;
using adamite::testing::set_grad;

TEST_SUITE("optim") {
  TEST_CASE("optim: AdaMax for 3 steps, by hand") {
    // m ← β1 m + (1−β1) g;  u ← max(β2 u, |g|);  θ ← θ − (α/(1−β1ᵗ)) m/u
    // α = 0.1, β1 = 0.9, β2 = 0.999, θ0 = (1, −0.5, 2).
    // t=1: m = 0.1 g, u = |g|: θ = θ0 − 0.1 sign(g) = (0.9, −0.4, 1.9)
    // t=2: g = (0.75, −0.125, −0.25): u = (0.75, 0.24975, 0.999)
    // t=3: g = (0.25, −0.5, 2):       u = (0.74925, 0.5, 2)
    // (values from python3, double precision)
    Tensor p = parameter({1.0f, -0.5f, 2.0f});
    optim::AdaMax adamax({p}, optim::AdaMaxOptions(0.1));
    const std::vector<std::vector<float>> grads = adamite::testing::kHandGradients;
    const std::vector<std::vector<double>> theta = {
        {0.9, -0.4, 1.9},
        {0.815789473684, -0.326242031505, 1.86575522891},
        {0.750287317161, -0.266094430029, 1.81806150198}};
    const std::vector<std::vector<double>>& exp_avg = adamite::testing::kHandGradientMean;
    const std::vector<std::vector<double>> exp_inf = {
        {0.5, 0.25, 1}, {0.75, 0.24975, 0.999}, {0.74925, 0.5, 2}};
    for (size_t t = 0; t < 3; ++t) {
      set_grad(p, grads[t]);
      adamax.step();
      check_close(p, theta[t], "theta");
      check_close(adamax.state(0, "exp_avg"), exp_avg[t], "exp_avg");
      check_close(adamax.state(0, "exp_inf"), exp_inf[t], "exp_inf");
    }
  }

  TEST_CASE("optim: AdaMax leaves a coordinate alone while its gradient has been 0") {
    // u = 0 there, and so is m: no update rather than 0/0.
    Tensor p = parameter({1.0f, 2.0f});
    optim::AdaMax adamax({p}, optim::AdaMaxOptions(0.1));
    for (int t = 0; t < 3; ++t) {
      set_grad(p, {0.5f, 0.0f});
      adamax.step();
    }
    CHECK(p.to_vector()[1] == 2.0f);
    // Then a gradient arrives at t = 4: m = 0.1 g, u = |g|, step = α/(1−0.9⁴) · 0.1 sign(g).
    set_grad(p, {0.5f, -4.0f});
    adamax.step();
    CHECK(p.to_vector()[1] ==
          doctest::Approx(2.0 + 0.1 * 0.1 / (1.0 - std::pow(0.9, 4))).epsilon(1e-6));
    CHECK(std::isfinite(p.to_vector()[0]));
  }

  TEST_CASE("optim: AdaMax without bias correction, and option checks") {
    Tensor p = parameter({1.0f});
    optim::AdaMax adamax({p}, optim::AdaMaxOptions(0.1).bias_correction(false));
    set_grad(p, {-3.0f});
    adamax.step();
    check_close(p, {1.01}, "theta");  // θ + 0.1 · (0.1·3)/3
    const optim::AdaMaxOptions defaults;
    CHECK(defaults.lr() == 2e-3);
    CHECK(defaults.betas().beta1 == 0.9);
    CHECK(defaults.betas().beta2 == 0.999);
    CHECK_THROWS_WITH_AS(
        optim::AdaMax({parameter({1.0f})}, optim::AdaMaxOptions().betas({-0.1, 0.9})),
        "adamax: beta1 must be in [0, 1), got -0.1", std::invalid_argument);
  }
}  // TEST_SUITE
