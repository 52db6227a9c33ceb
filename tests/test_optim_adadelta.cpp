// AdaDelta against values computed by hand.
#include <doctest/doctest.h>

#include "adamite/optim/adadelta.hpp"
#include "optim_support.hpp"

using namespace adamite;
using adamite::testing::check_close;
using adamite::testing::parameter;
using adamite::testing::set_grad;

namespace {
const std::vector<std::vector<float>> kGrads = adamite::testing::kHandGradients;
}

TEST_SUITE("optim") {
  TEST_CASE("optim: AdaDelta for 3 steps, by hand") {
    // Zeiler's Algorithm 1, defaults α = 1, ρ = 0.95, ε = 1e-6, θ0 = (1, −0.5, 2):
    //   s ← ρ s + (1−ρ) g²;  Δ = −√(d + ε)/√(s + ε) · g;  d ← ρ d + (1−ρ) Δ²;  θ ← θ + α Δ
    // t=1: s = 0.05 g², Δ = −√1e-6/√(0.05 g² + 1e-6) · g ≈ −0.00447 sign(g)
    // (values from python3, double precision)
    Tensor p = parameter({1.0f, -0.5f, 2.0f});
    optim::AdaDelta adadelta({p});
    const std::vector<std::vector<double>> theta = {
        {0.99552804292, -0.495528579415, 1.99552790877},
        {0.990224914408, -0.492642443737, 1.99709923379},
        {0.987966528818, -0.486574042768, 1.99131739034}};
    const std::vector<std::vector<double>> square_avg = {
        {0.0125, 0.003125, 0.05}, {0.04, 0.00375, 0.050625}, {0.041125, 0.0160625, 0.24809375}};
    const std::vector<std::vector<double>> acc_delta = {
        {9.99920006399e-07, 9.99680102367e-07, 9.999800004e-07},
        {2.35608260661e-06, 1.36618505485e-06, 1.07343411738e-06},
        {2.49329374997e-06, 3.13915031798e-06, 2.69124809783e-06}};
    for (size_t t = 0; t < 3; ++t) {
      set_grad(p, kGrads[t]);
      adadelta.step();
      check_close(p, theta[t], "theta");
      check_close(adadelta.state(0, "square_avg"), square_avg[t], "square_avg");
      check_close(adadelta.state(0, "acc_delta"), acc_delta[t], "acc_delta");
    }
  }

  TEST_CASE("optim: AdaDelta's alpha scales the step but not the accumulated updates") {
    // PyTorch's form: d accumulates the unscaled Δ, so α = 0.5 moves θ exactly half as far and
    // leaves s and d as they are with α = 1.
    Tensor full = parameter({1.0f, -0.5f, 2.0f}), half = parameter({1.0f, -0.5f, 2.0f});
    optim::AdaDelta a({full}, optim::AdaDeltaOptions(1.0)), b({half}, optim::AdaDeltaOptions(0.5));
    for (const auto& g : kGrads) {
      set_grad(full, g);
      set_grad(half, g);
      a.step();
      b.step();
    }
    CHECK(a.state(0, "acc_delta").to_vector() == b.state(0, "acc_delta").to_vector());
    CHECK(a.state(0, "square_avg").to_vector() == b.state(0, "square_avg").to_vector());
    const std::vector<float> x = full.to_vector(), y = half.to_vector(), x0 = {1.0f, -0.5f, 2.0f};
    for (size_t i = 0; i < 3; ++i)
      CHECK(double(y[i]) - x0[i] == doctest::Approx(0.5 * (double(x[i]) - x0[i])).epsilon(1e-4));
  }

  TEST_CASE("optim: AdaDelta defaults and option checks") {
    const optim::AdaDeltaOptions defaults;
    CHECK(defaults.lr() == 1.0);
    CHECK(defaults.rho() == 0.95);
    CHECK(defaults.eps() == 1e-6);
    auto make = [](const optim::AdaDeltaOptions& o) { optim::AdaDelta({parameter({1.0f})}, o); };
    CHECK_THROWS_WITH_AS(make(optim::AdaDeltaOptions().eps(0.0)),
                         "adadelta: eps must be > 0, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(make(optim::AdaDeltaOptions().rho(1.5)),
                         "adadelta: rho must be in [0, 1), got 1.5", std::invalid_argument);
  }
}  // TEST_SUITE
