// RMSProp (plain, momentum, centered, both) against values computed by hand.
#include <doctest/doctest.h>

#include "adamite/optim/adagrad.hpp"
#include "adamite/optim/registry.hpp"
#include "adamite/optim/rmsprop.hpp"
#include "optim_support.hpp"

using namespace adamite;
using adamite::testing::check_close;
using adamite::testing::parameter;
using adamite::testing::set_grad;

namespace {
const std::vector<std::vector<float>> kGrads = adamite::testing::kHandGradients;
// s ← 0.9 s + 0.1 g², the same in every variant.
const std::vector<std::vector<double>> kSquareAvg = {
    {0.025, 0.00625, 0.1}, {0.07875, 0.0071875, 0.09625}, {0.077125, 0.03146875, 0.486625}};
// ḡ ← 0.9 ḡ + 0.1 g (centered only).
const std::vector<std::vector<double>>& kGradAvg = adamite::testing::kHandGradientMean;

// Three steps from θ0 = (1, −0.5, 2) with α = 0.01, ρ = 0.9, ε = 1e-8, checking θ and every buffer.
void run(const optim::RMSPropOptions& options, const std::vector<std::vector<double>>& theta,
         const std::vector<std::vector<double>>& momentum_buffer) {
  Tensor p = parameter({1.0f, -0.5f, 2.0f});
  optim::RMSProp rmsprop({p}, options);
  for (size_t t = 0; t < 3; ++t) {
    set_grad(p, kGrads[t]);
    rmsprop.step();
    check_close(p, theta[t], "theta");
    check_close(rmsprop.state(0, "square_avg"), kSquareAvg[t], "square_avg");
    if (!momentum_buffer.empty())
      check_close(rmsprop.state(0, "momentum_buffer"), momentum_buffer[t], "momentum_buffer");
    if (options.centered()) check_close(rmsprop.state(0, "grad_avg"), kGradAvg[t], "grad_avg");
  }
}
}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("optim: RMSProp for 3 steps, by hand") {
    // s ← ρ s + (1−ρ) g²;  θ ← θ − α g / (√s + ε)
    // t=1: s = 0.1 g², so g/√s = √10·sign(g): θ = θ0 − 0.0316228 sign(g)
    // (values from python3, double precision)
    run(optim::RMSPropOptions(0.01).rho(0.9).eps(1e-8),
        {{0.968377225398, -0.468377227398, 1.9683772244},
         {0.941651102159, -0.453633033522, 1.97643545378},
         {0.932649031769, -0.425447242103, 1.94776511788}},
        {});
  }

  TEST_CASE("optim: RMSProp with momentum for 3 steps, by hand") {
    // b ← μ b + g / (√s + ε);  θ ← θ − α b,  μ = 0.9
    run(optim::RMSPropOptions(0.01).rho(0.9).eps(1e-8).momentum(0.9),
        {{0.968377225398, -0.468377227398, 1.9683772244},
         {0.913190605018, -0.42517253818, 1.94797495574},
         {0.854520576285, -0.358102526465, 1.90094257805}},
        {{3.16227746017, -3.16227726017, 3.16227756017},
         {5.51866203804, -4.32046892179, 2.0402268661},
         {5.86700287326, -6.70700117155, 4.70323776903}});
  }

  TEST_CASE("optim: centered RMSProp for 3 steps, by hand") {
    // ḡ ← ρ ḡ + (1−ρ) g;  θ ← θ − α g / (√(s − ḡ²) + ε)
    // t=1: s − ḡ² = 0.1 g² − 0.01 g² = 0.09 g², so θ = θ0 − 0.01/0.3 sign(g)
    run(optim::RMSPropOptions(0.01).rho(0.9).eps(1e-8).centered(true),
        {{0.966666668889, -0.466666671111, 1.96666666778},
         {0.937101050255, -0.450478575502, 1.97490780378},
         {0.926846533386, -0.418745495406, 1.94403988496}},
        {});
  }

  TEST_CASE("optim: centered RMSProp with momentum for 3 steps, by hand") {
    // b ← μ b + g / (√(s − ḡ²) + ε);  θ ← θ − α b
    run(optim::RMSPropOptions(0.01).rho(0.9).eps(1e-8).centered(true).momentum(0.9),
        {{0.966666668889, -0.466666671111, 1.96666666778},
         {0.907101052255, -0.420478579502, 1.94490780478},
         {0.843237480416, -0.347176216957, 1.89445690927}},
        {{3.33333311111, -3.33333288889, 3.33333322222},
         {5.9565616634, -4.61880916095, 2.17588629978},
         {6.38635718394, -7.33023625445, 5.04508955141}});
  }

  TEST_CASE("optim: RMSProp keeps only the buffers its options use") {
    Tensor p = parameter({1.0f});
    using Names = std::vector<std::string>;
    CHECK(optim::RMSProp({p}).state_names() == Names{"square_avg"});
    CHECK(optim::RMSProp({p}, optim::RMSPropOptions().momentum(0.5)).state_names() ==
          Names{"square_avg", "momentum_buffer"});
    CHECK(optim::RMSProp({p}, optim::RMSPropOptions().centered(true)).state_names() ==
          Names{"square_avg", "grad_avg"});
    CHECK(optim::RMSProp({p}, optim::RMSPropOptions().momentum(0.5).centered(true)).state_names() ==
          Names{"square_avg", "momentum_buffer", "grad_avg"});
  }

  TEST_CASE("optim: RMSProp defaults, and the registry passes rho, momentum, centered, eps") {
    const optim::RMSPropOptions defaults;
    CHECK(defaults.lr() == 1e-3);
    CHECK(defaults.rho() == 0.9);
    CHECK(defaults.eps() == 1e-8);
    CHECK(defaults.momentum() == 0.0);
    CHECK_FALSE(defaults.centered());

    optim::Hyperparameters h;
    h.lr = 0.01;
    h.rho = 0.5;
    h.momentum = 0.25;
    h.eps = 1e-3;
    h.centered = true;
    Tensor a = parameter({1.0f, -2.0f}), b = parameter({1.0f, -2.0f});
    auto from_registry = optim::make_optimizer("rmsprop", {a}, h);
    optim::RMSProp direct(
        {b}, optim::RMSPropOptions(0.01).rho(0.5).momentum(0.25).eps(1e-3).centered(true));
    CHECK(from_registry->state_names() == direct.state_names());
    for (int t = 0; t < 3; ++t) {
      set_grad(a, {0.5f, float(t) - 1.0f});
      set_grad(b, {0.5f, float(t) - 1.0f});
      from_registry->step();
      direct.step();
    }
    CHECK(a.to_vector() == b.to_vector());
  }

  TEST_CASE("optim: RMSProp rejects bad options, naming the algorithm and the value") {
    auto make = [](const optim::RMSPropOptions& o) { optim::RMSProp({parameter({1.0f})}, o); };
    CHECK_THROWS_WITH_AS(make(optim::RMSPropOptions().rho(1.0)),
                         "rmsprop: rho must be in [0, 1), got 1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(make(optim::RMSPropOptions().momentum(-0.5)),
                         "rmsprop: momentum must be in [0, 1), got -0.5", std::invalid_argument);
    CHECK_THROWS_WITH_AS(make(optim::RMSPropOptions().eps(-1.0)),
                         "rmsprop: eps must be >= 0, got -1", std::invalid_argument);
    // A group cannot use a buffer the defaults did not allocate.
    optim::ParamGroup group{
        {parameter({1.0f})},
        std::make_shared<optim::RMSPropOptions>(optim::RMSPropOptions().momentum(0.9))};
    CHECK_THROWS_WITH_AS(optim::RMSProp({group}, optim::RMSPropOptions()),
                         doctest::Contains("momentum_buffer"), std::invalid_argument);
    // A group's options must be RMSProp's.
    optim::ParamGroup foreign{{parameter({1.0f})}, std::make_shared<optim::AdaGradOptions>()};
    CHECK_THROWS_WITH_AS(optim::RMSProp({foreign}, optim::RMSPropOptions()),
                         doctest::Contains("another optimizer's type"), std::invalid_argument);
  }
}  // TEST_SUITE
