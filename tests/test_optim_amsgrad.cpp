// AMSGrad (Adam with amsgrad(true)) against values computed by hand.
#include <doctest/doctest.h>

#include "adamite/optim/adam.hpp"
#include "adamite/optim/registry.hpp"
#include "optim_support.hpp"

using namespace adamite;
using adamite::testing::check_close;
using adamite::testing::parameter;
using adamite::testing::set_grad;

namespace {
// A large first gradient then small ones in coordinate 0, so v shrinks and v_max holds it.
const std::vector<std::vector<float>> kGrads = {
    {2.0f, -0.25f, 1.0f}, {0.03125f, -0.125f, -0.25f}, {0.0625f, -0.5f, 2.0f}};
}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("optim: AMSGrad for 3 steps, by hand") {
    // m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  v_max ← max(v_max, v)
    // θ ← θ − α (m/(1−β1ᵗ)) / (√(v_max/(1−β2ᵗ)) + ε)
    // α = 0.1, β1 = 0.9, β2 = 0.9 (so v shrinks fast), ε = 1e-8, θ0 = (1, −0.5, 2).
    // v_max keeps 0.4 in coordinate 0 (v = 0.36010, 0.32448) and 0.1 at t=2 in coordinate 2
    // (v = 0.09625); plain Adam would give θ0 = 0.829990, 0.772303 at t = 2, 3.
    // (values from python3, double precision)
    Tensor p = parameter({1.0f, -0.5f, 2.0f});
    optim::Adam amsgrad({p}, optim::AdamOptions(0.1).betas({0.9, 0.9}).amsgrad(true));
    const std::vector<std::vector<double>> theta = {
        {0.9000000005, -0.400000004, 1.900000001},
        {0.833573581807, -0.305288596061, 1.85284404539},
        {0.781617048007, -0.217034838677, 1.78166065152}};
    const std::vector<std::vector<double>> exp_avg_sq = {{0.4, 0.00625, 0.1},
                                                         {0.36009765625, 0.0071875, 0.09625},
                                                         {0.324478515625, 0.03146875, 0.486625}};
    const std::vector<std::vector<double>> max_exp_avg_sq = {
        {0.4, 0.00625, 0.1}, {0.4, 0.0071875, 0.1}, {0.4, 0.03146875, 0.486625}};
    for (size_t t = 0; t < 3; ++t) {
      set_grad(p, kGrads[t]);
      amsgrad.step();
      check_close(p, theta[t], "theta");
      check_close(amsgrad.state(0, "exp_avg_sq"), exp_avg_sq[t], "exp_avg_sq");
      check_close(amsgrad.state(0, "max_exp_avg_sq"), max_exp_avg_sq[t], "max_exp_avg_sq");
    }
    check_close(amsgrad.state(0, "exp_avg"), {0.1710625, -0.0815, 0.2585}, "exp_avg");
  }

  TEST_CASE("optim: AMSGrad's buffer exists only when it is on, the registry's amsgrad is it") {
    using Names = std::vector<std::string>;
    CHECK(optim::Adam({parameter({1.0f})}).state_names() == Names{"exp_avg", "exp_avg_sq"});
    optim::Adam on({parameter({1.0f})}, optim::AdamOptions().amsgrad(true));
    CHECK(on.state_names() == Names{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"});
    CHECK(on.name() == "amsgrad");

    Tensor a = parameter({1.0f, -0.5f, 2.0f}), b = parameter({1.0f, -0.5f, 2.0f});
    auto from_registry = optim::make_optimizer("amsgrad", {a});
    optim::Adam direct({b}, optim::AdamOptions().amsgrad(true));
    CHECK(from_registry->name() == "amsgrad");
    for (const auto& g : kGrads) {
      set_grad(a, g);
      set_grad(b, g);
      from_registry->step();
      direct.step();
    }
    CHECK(a.to_vector() == b.to_vector());
  }

  TEST_CASE("optim: a parameter group cannot turn AMSGrad on when the defaults leave it off") {
    optim::ParamGroup group{
        {parameter({1.0f})},
        std::make_shared<optim::AdamOptions>(optim::AdamOptions().amsgrad(true))};
    CHECK_THROWS_WITH_AS(optim::Adam({group}, optim::AdamOptions()),
                         doctest::Contains("max_exp_avg_sq"), std::invalid_argument);
    // The other way round is fine: that group simply ignores its v_max.
    optim::ParamGroup plain{{parameter({1.0f})}, std::make_shared<optim::AdamOptions>()};
    CHECK_NOTHROW(optim::Adam({plain}, optim::AdamOptions().amsgrad(true)));
    CHECK_THROWS_WITH_AS(
        optim::Adam({parameter({1.0f})}, optim::AdamOptions().amsgrad(true).betas({0.9, 1.0})),
        "amsgrad: beta2 must be in [0, 1), got 1", std::invalid_argument);
  }
}  // TEST_SUITE
