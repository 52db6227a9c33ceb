// AdamW (decoupled weight decay) against values computed by hand.
#include <doctest/doctest.h>

#include "adamite/optim/adam.hpp"
#include "adamite/optim/adamw.hpp"
#include "adamite/optim/registry.hpp"
#include "optim_support.hpp"

using namespace adamite;
using adamite::testing::check_close;
using adamite::testing::parameter;
using adamite::testing::set_grad;

namespace {
const std::vector<std::vector<float>> kGrads = adamite::testing::kHandGradients;
}

TEST_SUITE("optim") {
  TEST_CASE("optim: AdamW for 3 steps, by hand") {
    // θ ← θ (1 − α λ), then Adam:  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
    //                              θ ← θ − α (m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε)
    // α = 0.1, λ = 0.1 (factor 0.99), β = (0.9, 0.999), ε = 1e-8, θ0 = (1, −0.5, 2).
    // t=1: θ = 0.99 θ0 − 0.1 sign(g) = (0.89, −0.395, 1.88). m and v never see λ.
    // (values from python3, double precision)
    Tensor p = parameter({1.0f, -0.5f, 2.0f});
    optim::AdamW adamw({p}, optim::AdamWOptions(0.1).weight_decay(0.1));
    const std::vector<std::vector<double>> theta = {
        {0.890000002, -0.395000004, 1.880000001},
        {0.782019277081, -0.297832044796, 1.81425318451},
        {0.683315481219, -0.20394509079, 1.72270312093}};
    const std::vector<std::vector<double>>& exp_avg = adamite::testing::kHandGradientMean;
    const std::vector<std::vector<double>>& exp_avg_sq = adamite::testing::kHandSquareMean;
    for (size_t t = 0; t < 3; ++t) {
      set_grad(p, kGrads[t]);
      adamw.step();
      check_close(p, theta[t], "theta");
      check_close(adamw.state(0, "exp_avg"), exp_avg[t], "exp_avg");
      check_close(adamw.state(0, "exp_avg_sq"), exp_avg_sq[t], "exp_avg_sq");
    }
  }

  TEST_CASE("optim: AdamW's decay bypasses the moments, with lambda = 0 it is Adam") {
    // Zero gradients: m and v stay 0 and θ only decays, θ = θ0 (1 − αλ)³.
    Tensor p = parameter({1.0f, -0.5f});
    optim::AdamW adamw({p}, optim::AdamWOptions(0.1).weight_decay(0.5));
    for (int t = 0; t < 3; ++t) {
      set_grad(p, {0.0f, 0.0f});
      adamw.step();
    }
    check_close(p, {0.857375, -0.4286875}, "theta");  // 0.95³ = 0.857375
    CHECK(adamw.state(0, "exp_avg").to_vector() == std::vector<float>{0.0f, 0.0f});
    CHECK(adamw.state(0, "exp_avg_sq").to_vector() == std::vector<float>{0.0f, 0.0f});

    // λ = 0: the same arithmetic as Adam (shared code), so bit-identical.
    Tensor a = parameter({1.0f, -0.5f, 2.0f}), b = parameter({1.0f, -0.5f, 2.0f});
    optim::AdamW no_decay({a}, optim::AdamWOptions(0.1).weight_decay(0.0));
    optim::Adam adam({b}, optim::AdamOptions(0.1));
    for (const auto& g : kGrads) {
      set_grad(a, g);
      set_grad(b, g);
      no_decay.step();
      adam.step();
    }
    CHECK(a.to_vector() == b.to_vector());
  }

  TEST_CASE("optim: AdamW's weight decay is decoupled, --weight-decay maps to it") {
    const optim::AdamWOptions defaults;
    CHECK(defaults.weight_decay() == 1e-2);
    CHECK(defaults.Options::weight_decay() == 0.0);
    CHECK(defaults.lr() == 1e-3);

    optim::Hyperparameters h;
    h.weight_decay = 0.3;
    auto adamw = optim::make_optimizer("adamw", {parameter({1.0f})}, h);
    const auto* options =
        dynamic_cast<const optim::AdamWOptions*>(adamw->param_groups()[0].options.get());
    REQUIRE(options != nullptr);
    CHECK(options->weight_decay() == 0.3);
    CHECK(options->Options::weight_decay() == 0.0);  // nothing is added to the gradient

    optim::AdamWOptions l2;
    l2.Options::weight_decay(0.1);
    CHECK_THROWS_WITH_AS(optim::AdamW({parameter({1.0f})}, l2),
                         doctest::Contains("adamw: the L2 weight decay"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(optim::AdamW({parameter({1.0f})}, optim::AdamWOptions().weight_decay(-1)),
                         "adamw: weight decay must be >= 0, got -1", std::invalid_argument);
  }
}  // TEST_SUITE
