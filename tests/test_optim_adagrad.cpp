// AdaGrad against values computed by hand.
#include <doctest/doctest.h>

#include <cmath>

#include "adamite/optim/adagrad.hpp"
#include "optim_support.hpp"

using namespace adamite;
using adamite::testing::check_close;
using adamite::testing::parameter;
using adamite::testing::set_grad;

TEST_SUITE("optim") {
  TEST_CASE("optim: AdaGrad for 3 steps, by hand") {
    // s ← s + g²;  θ ← θ − α g / (√s + ε),  α = 0.1, ε = 1e-10, θ0 = (1, −0.5, 2).
    //  g1 = (0.5, −0.25, 1):     s = (0.25, 0.0625, 1)       θ = θ0 − 0.1 g/√s = (0.9, −0.4, 1.9)
    //  g2 = (0.75, −0.125, −0.25): s = (0.8125, 0.078125, 1.0625)
    //  g3 = (0.25, −0.5, 2):     s = (0.875, 0.328125, 5.0625)
    // (values from python3, double precision)
    Tensor p = parameter({1.0f, -0.5f, 2.0f});
    optim::AdaGrad adagrad({p}, optim::AdaGradOptions(0.1));
    const std::vector<std::vector<float>> grads = adamite::testing::kHandGradients;
    const std::vector<std::vector<double>> theta = {
        {0.90000000002, -0.40000000004, 1.90000000001},
        {0.816794970595, -0.355278640506, 1.92425356251},
        {0.790068846407, -0.267991484427, 1.83536467363}};
    const std::vector<std::vector<double>> sum = {
        {0.25, 0.0625, 1}, {0.8125, 0.078125, 1.0625}, {0.875, 0.328125, 5.0625}};
    for (size_t t = 0; t < 3; ++t) {
      set_grad(p, grads[t]);
      adagrad.step();
      check_close(p, theta[t], "theta");
      check_close(adagrad.state(0, "sum"), sum[t], "sum");
    }
    CHECK(adagrad.state_names() == std::vector<std::string>{"sum"});
  }

  TEST_CASE("optim: AdaGrad with eps = 0 leaves a never-touched coordinate alone") {
    Tensor p = parameter({1.0f, 2.0f});
    optim::AdaGrad adagrad({p}, optim::AdaGradOptions(0.1).eps(0.0));
    for (int t = 0; t < 3; ++t) {
      set_grad(p, {0.5f, 0.0f});
      adagrad.step();
    }
    CHECK(p.to_vector()[1] == 2.0f);  // 0/0 would have made it NaN
    // g/√s with ε = 0: 0.5/√0.25, 0.5/√0.5, 0.5/√0.75
    CHECK(p.to_vector()[0] ==
          doctest::Approx(1.0 - 0.1 * (1.0 + 0.5 / std::sqrt(0.5) + 0.5 / std::sqrt(0.75)))
              .epsilon(1e-6));
  }

  TEST_CASE("optim: AdaGrad rejects a negative eps, naming the algorithm and the value") {
    CHECK_THROWS_WITH_AS(optim::AdaGrad({parameter({1.0f})}, optim::AdaGradOptions().eps(-1e-3)),
                         "adagrad: eps must be >= 0, got -0.001", std::invalid_argument);
  }
}  // TEST_SUITE
