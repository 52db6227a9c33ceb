// Nadam (Dozat 2016, constant β1) against values computed by hand.
#include <doctest/doctest.h>

#include "adamite/optim/nadam.hpp"
#include "optim_support.hpp"

using namespace adamite;
using adamite::testing::check_close;
using adamite::testing::parameter;
using adamite::testing::set_grad;

TEST_SUITE("optim") {
  TEST_CASE("optim: Nadam for 3 steps, by hand") {
    // m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
    // m̂ = β1 m/(1−β1ᵗ⁺¹) + (1−β1) g/(1−β1ᵗ);  v̂ = v/(1−β2ᵗ);  θ ← θ − α m̂/(√v̂ + ε)
    // α = 0.1, β = (0.9, 0.999), ε = 1e-8, θ0 = (1, −0.5, 2).
    // t=1: m̂ = 0.9·0.1 g/0.19 + g = 1.4736842 g, √v̂ = |g|: θ = θ0 − 0.14736842 sign(g)
    // (values from python3, double precision)
    Tensor p = parameter({1.0f, -0.5f, 2.0f});
    optim::Nadam nadam({p}, optim::NadamOptions(0.1));
    const std::vector<std::vector<float>> grads = adamite::testing::kHandGradients;
    const std::vector<std::vector<double>> theta = {
        {0.852631581895, -0.352631584842, 1.85263158042},
        {0.728186557033, -0.260519268315, 1.84106478034},
        {0.646646904328, -0.14027307977, 1.73220785694}};
    const std::vector<std::vector<double>>& exp_avg = adamite::testing::kHandGradientMean;
    const std::vector<std::vector<double>>& exp_avg_sq = adamite::testing::kHandSquareMean;
    for (size_t t = 0; t < 3; ++t) {
      set_grad(p, grads[t]);
      nadam.step();
      check_close(p, theta[t], "theta");
      check_close(nadam.state(0, "exp_avg"), exp_avg[t], "exp_avg");
      check_close(nadam.state(0, "exp_avg_sq"), exp_avg_sq[t], "exp_avg_sq");
    }
  }

  TEST_CASE("optim: Nadam without bias correction, and option checks") {
    // m̂ = β1 m + (1−β1) g = 0.19 g, v̂ = v = 0.001 g²: θ = θ0 − 0.1 · 0.19 g / (0.0316228 |g| +
    // 1e-8)
    Tensor p = parameter({1.0f, -0.5f, 2.0f});
    optim::Nadam nadam({p}, optim::NadamOptions(0.1).bias_correction(false));
    set_grad(p, {0.5f, -0.25f, 1.0f});
    nadam.step();
    check_close(p, {0.399167624568, 0.100831995433, 1.39916743457}, "theta");
    const optim::NadamOptions defaults;
    CHECK(defaults.lr() == 2e-3);
    CHECK(defaults.eps() == 1e-8);
    CHECK_THROWS_WITH_AS(optim::Nadam({parameter({1.0f})}, optim::NadamOptions().eps(-1e-8)),
                         "nadam: eps must be >= 0, got -1e-08", std::invalid_argument);
  }
}  // TEST_SUITE
