// Temporal averaging (paper §7.2) against values computed by hand; swapping; checkpoints.
#include <doctest/doctest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "adamite/optim/averaging.hpp"
#include "support.hpp"

using namespace adamite;
using optim::AveragedWeightsScope;
using optim::AverageState;
using optim::ParameterAverage;

namespace {
Tensor parameter(std::vector<float> values) {
  Tensor p = Tensor::from_vector({int64_t(values.size())}, values);
  p.set_requires_grad(true);
  return p;
}
void set_values(const Tensor& p, std::vector<float> values) {
  p.copy_(Tensor::from_vector(p.shape(), values));
}
bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * size_t(a.numel())) == 0;
}
std::string parse_error(const std::string& spec) {
  return testing::thrown_message<std::invalid_argument>(
      [&] { ParameterAverage::parse(spec, {parameter({1.0f})}); });
}
}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("averaging: EMA with β = 0.5 over 1, 2, 4, bias-corrected by hand") {
    // θ̄ ← 0.5 θ̄ + 0.5 θ, θ̄₀ = 0:   θ = 1 → θ̄ = 0.5;  θ = 2 → 1.25;  θ = 4 → 2.625.
    // θ̂ = θ̄ / (1 − 0.5ᵗ):           0.5/0.5 = 1;  1.25/0.75 = 5/3;  2.625/0.875 = 3.
    // Second coordinate is −2× the first: θ = −2, −4, −8 → θ̂ = −2, −10/3, −6.
    Tensor p = parameter({0.0f, 0.0f});
    ParameterAverage average({p}, ParameterAverage::Kind::Ema, 0.5);
    CHECK(average.count() == 0);
    // Before any update the estimate is the current θ.
    CHECK(average.averaged(0).to_vector() == std::vector<float>{0.0f, 0.0f});
    const float thetas[] = {1.0f, 2.0f, 4.0f};
    const float ema[] = {0.5f, 1.25f, 2.625f};
    const double estimate[] = {1.0, 5.0 / 3.0, 3.0};
    for (int t = 0; t < 3; ++t) {
      set_values(p, {thetas[t], -2 * thetas[t]});
      average.update();
      CHECK(average.count() == t + 1);
      const std::vector<float> hat = average.averaged(0).to_vector();
      CHECK(hat[0] == doctest::Approx(estimate[t]).epsilon(1e-6));
      CHECK(hat[1] == doctest::Approx(-2 * estimate[t]).epsilon(1e-6));
      CHECK(average.state_dict().buffers[0].second.to_vector()[0] == ema[t]);  // θ̄ exact
    }
    // The parameter itself is untouched by update() and averaged().
    CHECK(p.to_vector() == std::vector<float>{4.0f, -8.0f});
    CHECK(average.describe() == "EMA of the weights, beta 0.5, bias-corrected");
    CHECK(average.spec() == "ema:0.5");
    CHECK_THROWS_AS(average.averaged(1), std::out_of_range);
  }

  TEST_CASE("averaging: Polyak is the uniform mean, (1 + 2 + 4)/3 = 7/3") {
    // θ̄ ← θ̄ + (θ − θ̄)/t:  t=1 → 1;  t=2 → 1 + (2−1)/2 = 1.5;  t=3 → 1.5 + (4−1.5)/3 = 7/3.
    Tensor a = parameter({0.0f}), b = parameter({0.0f, 0.0f, 0.0f});
    auto average = ParameterAverage::parse("polyak", {a, b});
    REQUIRE(average->kind() == ParameterAverage::Kind::Polyak);
    const float thetas[] = {1.0f, 2.0f, 4.0f};
    const double mean[] = {1.0, 1.5, 7.0 / 3.0};
    for (int t = 0; t < 3; ++t) {
      set_values(a, {thetas[t]});
      set_values(b, {thetas[t], 10 * thetas[t], -thetas[t]});
      average->update();
      CHECK(average->averaged(0).item() == doctest::Approx(mean[t]).epsilon(1e-6));
      const std::vector<float> hb = average->averaged(1).to_vector();
      CHECK(hb[0] == doctest::Approx(mean[t]).epsilon(1e-6));
      CHECK(hb[1] == doctest::Approx(10 * mean[t]).epsilon(1e-6));
      CHECK(hb[2] == doctest::Approx(-mean[t]).epsilon(1e-6));
    }
    CHECK(average->count() == 3);
    CHECK(average->describe() == "Polyak (uniform) average of the weights");
    CHECK(average->spec() == "polyak");
  }

  TEST_CASE("averaging: swap_in puts θ̂ in, swap_out restores the training values bit-exactly") {
    // Values that are not exactly representable after arithmetic, to catch any recomputation.
    Tensor p = parameter({0.1f, -0.3f, 1e-7f}), q = parameter({3.14159f});
    ParameterAverage average({p, q}, ParameterAverage::Kind::Ema, 0.9);
    for (int t = 1; t <= 5; ++t) {
      set_values(p, {0.1f * float(t), -0.3f / float(t), 1e-7f * float(t * t)});
      set_values(q, {3.14159f + 0.01f * float(t)});
      average.update();
    }
    const Tensor p_train = p.clone(), q_train = q.clone();
    const Tensor p_hat = average.averaged(0), q_hat = average.averaged(1);
    const float* storage = p.data();
    CHECK_FALSE(average.swapped_in());
    for (int round = 0; round < 3; ++round) {
      average.swap_in();
      CHECK(average.swapped_in());
      CHECK(bit_equal(p, p_hat));
      CHECK(bit_equal(q, q_hat));
      CHECK(p.data() == storage);  // in place: the model's tensors keep their storage
      // θ̂ is still the estimate while swapped in (not the swapped-in values averaged again).
      CHECK(bit_equal(average.averaged(0), p_hat));
      average.swap_out();
      CHECK_FALSE(average.swapped_in());
      CHECK(bit_equal(p, p_train));
      CHECK(bit_equal(q, q_train));
    }
    CHECK_THROWS_AS(average.swap_out(), std::logic_error);
    average.swap_in();
    CHECK_THROWS_AS(average.swap_in(), std::logic_error);
    average.swap_out();
    CHECK(bit_equal(p, p_train));

    // Before any update, swapping in leaves θ as it is.
    Tensor r = parameter({0.7f, 0.2f});
    const Tensor r_train = r.clone();
    ParameterAverage fresh({r}, ParameterAverage::Kind::Polyak);
    fresh.swap_in();
    CHECK(bit_equal(r, r_train));
    CHECK(bit_equal(fresh.averaged(0), r_train));
    fresh.swap_out();
    CHECK(bit_equal(r, r_train));
  }

  TEST_CASE("averaging: update while swapped in throws std::logic_error") {
    Tensor p = parameter({1.0f});
    ParameterAverage average({p}, ParameterAverage::Kind::Ema, 0.5);
    average.update();
    average.swap_in();
    CHECK_THROWS_AS(average.update(), std::logic_error);
    CHECK(average.count() == 1);  // unchanged
    CHECK_THROWS_AS(average.load_state_dict(average.state_dict()), std::logic_error);
    average.swap_out();
    average.update();
    CHECK(average.count() == 2);
  }

  TEST_CASE("averaging: the scope guard swaps back, also when an exception leaves it") {
    // EMA β = 0.5, θ = 1 then 2: θ̂ = 5/3 while in the scope, θ = 2 after it.
    Tensor p = parameter({1.0f});
    ParameterAverage average({p}, ParameterAverage::Kind::Ema, 0.5);
    average.update();
    set_values(p, {2.0f});
    average.update();
    {
      AveragedWeightsScope scope(average);
      CHECK(average.swapped_in());
      CHECK(p.item() == doctest::Approx(5.0 / 3.0).epsilon(1e-6));
    }
    CHECK_FALSE(average.swapped_in());
    CHECK(p.item() == 2.0f);
    CHECK_THROWS_WITH_AS(
        [&] {
          AveragedWeightsScope scope(average);
          CHECK(p.item() == doctest::Approx(5.0 / 3.0).epsilon(1e-6));
          throw std::runtime_error("evaluation failed");
        }(),
        "evaluation failed", std::runtime_error);
    CHECK_FALSE(average.swapped_in());
    CHECK(p.item() == 2.0f);
    // A second scope while one is open throws and leaves the first one in charge.
    {
      AveragedWeightsScope scope(average);
      CHECK_THROWS_AS(AveragedWeightsScope{average}, std::logic_error);
      CHECK(average.swapped_in());
    }
    CHECK_FALSE(average.swapped_in());
    CHECK(p.item() == 2.0f);
  }

  TEST_CASE("averaging: parse errors quote the spec and the accepted forms") {
    for (const std::string spec :
         {"", "ema", "ema:", "ema:0", "ema:1", "ema:1.5", "ema:-0.5", "ema:abc", "ema:0.9x",
          "ema: 0.9", "ema:nan", "EMA:0.9", "polyak:0.5", "Polyak", "swa", "mean"}) {
      CAPTURE(spec);
      const std::string message = parse_error(spec);
      REQUIRE(!message.empty());
      CHECK(message.find("'" + spec + "'") != std::string::npos);
      CHECK(message.find("ema:β") != std::string::npos);
      CHECK(message.find("polyak") != std::string::npos);
    }
    CHECK(parse_error("ema:1") ==
          "average 'ema:1': β must be in (0, 1), got 1; accepted forms: ema:β (0 < β < 1, e.g. "
          "ema:0.999), polyak");
    auto ok = ParameterAverage::parse("ema:0.999", {parameter({1.0f})});
    CHECK(ok->kind() == ParameterAverage::Kind::Ema);
    CHECK(ok->beta() == 0.999);
    CHECK_THROWS_AS(ParameterAverage({parameter({1.0f})}, ParameterAverage::Kind::Ema, 1.0),
                    std::invalid_argument);
  }

  TEST_CASE("averaging: state_dict round trip continues bit-identically") {
    const auto trajectory = [](int t) {
      return std::vector<float>{0.3f * float(t) - 1.0f, 1.0f / float(t)};
    };
    for (const char* spec : {"ema:0.9", "polyak"}) {
      CAPTURE(spec);
      Tensor p = parameter({0.0f, 0.0f}), w = parameter({0.5f});
      auto original = ParameterAverage::parse(spec, {p, w});
      for (int t = 1; t <= 4; ++t) {
        set_values(p, trajectory(t));
        original->update();
      }
      const AverageState state = original->state_dict();
      CHECK(state.count == 4);
      REQUIRE(state.buffers.size() == 2);
      CHECK(state.buffers[0].first == "0.average");
      CHECK(state.buffers[1].first == "1.average");

      // The snapshot is a copy: later updates do not change it.
      const Tensor saved = state.buffers[0].second.clone();
      set_values(p, trajectory(5));
      original->update();
      CHECK(bit_equal(state.buffers[0].second, saved));

      auto restored = ParameterAverage::parse(spec, {p, w});
      restored->load_state_dict(state);
      CHECK(restored->count() == 4);
      restored->update();  // the same θ₅ as the original saw
      for (int t = 6; t <= 8; ++t) {
        set_values(p, trajectory(t));
        original->update();
        restored->update();
      }
      CHECK(restored->count() == original->count());
      for (size_t i = 0; i < 2; ++i) CHECK(bit_equal(restored->averaged(i), original->averaged(i)));
    }
  }

  TEST_CASE("averaging: load_state_dict validates names and shapes, leaving the average as is") {
    Tensor p = parameter({1.0f, 2.0f}), w = parameter({3.0f});
    ParameterAverage average({p, w}, ParameterAverage::Kind::Ema, 0.5);
    average.update();
    const Tensor before = average.averaged(0);
    const auto with = [&](std::vector<std::pair<std::string, Tensor>> buffers, int64_t count = 3) {
      return AverageState{count, std::move(buffers)};
    };
    const Tensor two = Tensor::zeros({2}), one = Tensor::zeros({1});
    CHECK_THROWS_WITH_AS(average.load_state_dict(with({{"0.average", two}})),
                         "average: state lacks buffer '1.average'", std::invalid_argument);
    CHECK_THROWS_WITH_AS(average.load_state_dict(with({{"0.average", two}, {"1.average", two}})),
                         "average: state buffer '1.average' has shape [2], parameter has [1]",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(
        average.load_state_dict(with({{"0.average", two}, {"1.average", one}, {"2.average", one}})),
        "average: state has an unexpected buffer '2.average'", std::invalid_argument);
    for (const char* name : {"0.exp_avg", "x.average", ".average", "average", "-1.average", "01"}) {
      CAPTURE(name);
      CHECK_THROWS_AS(
          average.load_state_dict(with({{"0.average", two}, {"1.average", one}, {name, one}})),
          std::invalid_argument);
    }
    CHECK_THROWS_WITH_AS(
        average.load_state_dict(with({{"0.average", two}, {"0.average", two}, {"1.average", one}})),
        "average: state has buffer '0.average' twice", std::invalid_argument);
    CHECK_THROWS_WITH_AS(
        average.load_state_dict(with({{"0.average", two}, {"1.average", one}}, -1)),
        "average: negative update count -1 in state", std::invalid_argument);
    CHECK(average.count() == 1);
    CHECK(bit_equal(average.averaged(0), before));
  }
}
