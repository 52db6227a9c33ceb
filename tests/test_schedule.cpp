// Learning-rate schedules against factors computed by hand, and their spec errors.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "adamite/optim/schedule.hpp"
#include "adamite/optim/sgd.hpp"
#include "support.hpp"

using namespace adamite;
using optim::make_schedule;
using optim::ScheduleContext;

namespace {
// The message of the std::invalid_argument that make_schedule(spec) throws ("" if none).
std::string error_of(const std::string& spec, const ScheduleContext& context = {}) {
  return testing::thrown_message<std::invalid_argument>([&] { make_schedule(spec, context); });
}
}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("schedule: constant is 1 at every step") {
    const auto s = make_schedule("constant", {10, 100, 0});
    for (int64_t t : {1, 2, 10, 1000, 1000000}) CHECK(s->factor(t) == 1.0);
    CHECK(s->describe() == "constant");
  }

  TEST_CASE("schedule: inv-sqrt is 1/sqrt(t) (paper §6.1)") {
    // factor(t) = 1/√t: t=1 → 1, t=4 → 0.5, t=16 → 0.25, t=100 → 0.1, t=2 → 0.7071068
    const auto s = make_schedule("inv-sqrt", {});
    CHECK(s->factor(1) == 1.0);
    CHECK(s->factor(4) == 0.5);
    CHECK(s->factor(16) == 0.25);
    CHECK(s->factor(100) == doctest::Approx(0.1).epsilon(1e-12));
    CHECK(s->factor(2) == doctest::Approx(0.70710678118654752).epsilon(1e-12));
  }

  TEST_CASE("schedule: step:N:γ drops by γ every N epochs, staircase") {
    // factor(t) = γ^floor((t−1) / (N·steps_per_epoch)); N = 2, γ = 0.1, 10 steps per epoch:
    // t = 1..20 (epochs 1-2) → 1, t = 21..40 → 0.1, t = 41..60 → 0.01.
    const auto s = make_schedule("step:2:0.1", {10, 1000, 0});
    CHECK(s->factor(1) == 1.0);
    CHECK(s->factor(20) == 1.0);
    CHECK(s->factor(21) == doctest::Approx(0.1).epsilon(1e-12));
    CHECK(s->factor(40) == doctest::Approx(0.1).epsilon(1e-12));
    CHECK(s->factor(41) == doctest::Approx(0.01).epsilon(1e-12));
    CHECK(s->factor(61) == doctest::Approx(0.001).epsilon(1e-12));
    CHECK(s->describe() == "step decay x0.1 every 2 epochs");

    // N = 10 epochs of 1 step each, γ = 0.5: t = 10 → 1, t = 11 → 0.5, t = 25 → 0.25.
    const auto half = make_schedule("step:10:0.5", {});
    CHECK(half->factor(10) == 1.0);
    CHECK(half->factor(11) == 0.5);
    CHECK(half->factor(25) == 0.25);
    CHECK(half->describe() == "step decay x0.5 every 10 epochs");
    CHECK(make_schedule("step:1:0.5", {})->describe() == "step decay x0.5 every 1 epoch");
  }

  TEST_CASE("schedule: exp:γ multiplies by γ every epoch, staircase") {
    // factor(t) = γ^floor((t−1) / steps_per_epoch); γ = 0.9, 5 steps per epoch:
    // t = 1..5 → 1, t = 6..10 → 0.9, t = 11 → 0.81, t = 26 → 0.9^5 = 0.59049.
    const auto s = make_schedule("exp:0.9", {5, 100, 0});
    CHECK(s->factor(1) == 1.0);
    CHECK(s->factor(5) == 1.0);
    CHECK(s->factor(6) == doctest::Approx(0.9).epsilon(1e-12));
    CHECK(s->factor(10) == doctest::Approx(0.9).epsilon(1e-12));
    CHECK(s->factor(11) == doctest::Approx(0.81).epsilon(1e-12));
    CHECK(s->factor(26) == doctest::Approx(0.59049).epsilon(1e-12));
    CHECK(s->describe() == "exponential decay x0.9 every epoch");
  }

  TEST_CASE("schedule: cosine goes from 1 to 0 over total_steps") {
    // factor(t) = 0.5·(1 + cos(π·min(1, (t−1)/T))), T = 100:
    // t=1 → 1; t=51 → 0.5·(1 + cos(π/2)) = 0.5; t=26 → 0.5·(1 + cos(π/4)) = 0.8535534;
    // t=100 (last) → 0.5·(1 + cos(0.99π)) = 0.0002467; t ≥ 101 → 0 (floor, never negative).
    const auto s = make_schedule("cosine", {10, 100, 0});
    CHECK(s->factor(1) == 1.0);
    CHECK(s->factor(51) == doctest::Approx(0.5).epsilon(1e-12));
    CHECK(s->factor(26) == doctest::Approx(0.85355339059327376).epsilon(1e-12));
    CHECK(s->factor(100) == doctest::Approx(0.5 * (1 + std::cos(0.99 * std::numbers::pi))));
    CHECK(s->factor(100) > 0.0);
    CHECK(s->factor(100) < 3e-4);
    CHECK(s->factor(101) == doctest::Approx(0.0));
    CHECK(s->factor(500) >= 0.0);
    CHECK(s->factor(500) == doctest::Approx(0.0));
    // Non-increasing across the run.
    for (int64_t t = 2; t <= 120; ++t) CHECK(s->factor(t) <= s->factor(t - 1));
  }

  TEST_CASE("schedule: linear warm-up multiplies any schedule by min(1, t/W)") {
    // W = 4: factor = min(1, t/4)·inner(t).
    // constant: t=1 → 0.25, t=2 → 0.5, t=4 → 1, t=9 → 1.
    const auto c = make_schedule("constant", {1, 100, 4});
    CHECK(c->factor(1) == 0.25);
    CHECK(c->factor(2) == 0.5);
    CHECK(c->factor(3) == 0.75);
    CHECK(c->factor(4) == 1.0);
    CHECK(c->factor(9) == 1.0);
    CHECK(c->describe() == "constant, linear warm-up over 4 steps");
    // inv-sqrt: t=1 → 0.25·1, t=4 → 1·0.5, t=16 → 0.25; t=2 → 0.5/√2 = 0.3535534.
    const auto s = make_schedule("inv-sqrt", {1, 100, 4});
    CHECK(s->factor(1) == 0.25);
    CHECK(s->factor(2) == doctest::Approx(0.35355339059327376).epsilon(1e-12));
    CHECK(s->factor(4) == 0.5);
    CHECK(s->factor(16) == 0.25);
    // step:1:0.5 with 2 steps/epoch, W = 3: t=2 → (2/3)·1, t=3 → 1·0.5.
    const auto d = make_schedule("step:1:0.5", {2, 100, 3});
    CHECK(d->factor(2) == doctest::Approx(2.0 / 3.0).epsilon(1e-12));
    CHECK(d->factor(3) == 0.5);
    // cosine over T = 10 with W = 2: t=1 → 0.5·1 = 0.5, t=6 → 1·0.5·(1+cos(π/2)) = 0.5.
    const auto k = make_schedule("cosine", {1, 10, 2});
    CHECK(k->factor(1) == doctest::Approx(0.5).epsilon(1e-12));
    CHECK(k->factor(6) == doctest::Approx(0.5).epsilon(1e-12));
  }

  TEST_CASE("schedule: apply() sets the optimizer's factor for the step it is about to take") {
    // SGD, α = 1, g = 1, inv-sqrt: θ ← θ − 1/√t; θ0 = 0 → −1, −1 − 1/√2, −1 − 1/√2 − 1/√3.
    Tensor p = Tensor::from_vector({1}, {0.0f});
    p.set_requires_grad(true);
    optim::SGD sgd({p}, optim::SGDOptions(1.0));
    const auto s = make_schedule("inv-sqrt", {});
    const double expected[] = {-1.0, -1.0 - 1 / std::sqrt(2.0),
                               -1.0 - 1 / std::sqrt(2.0) - 1 / std::sqrt(3.0)};
    for (int t = 0; t < 3; ++t) {
      p.set_grad(Tensor::from_vector({1}, {1.0f}));
      s->apply(sgd);
      CHECK(sgd.lr_factor() == doctest::Approx(1 / std::sqrt(t + 1.0)).epsilon(1e-12));
      sgd.step();
      CHECK(p.item() == doctest::Approx(expected[t]).epsilon(1e-6));
    }
  }

  TEST_CASE("schedule: bad specs throw, quoting the spec and the accepted forms") {
    for (const std::string spec : {"",
                                   "linear",
                                   "Constant",
                                   "constant ",
                                   "inv-sqrt:2",
                                   "step",
                                   "step:",
                                   "step:10",
                                   "step:10:",
                                   "step:0:0.5",
                                   "step:-1:0.5",
                                   "step:2.5:0.5",
                                   "step:x:0.5",
                                   "step:10:0",
                                   "step:10:-0.5",
                                   "step:10:1.5",
                                   "step:10:abc",
                                   "step:10:0.5x",
                                   "step:10:0.5:3",
                                   "step: 10:0.5",
                                   "exp",
                                   "exp:",
                                   "exp:0",
                                   "exp:1.01",
                                   "exp:-0.9",
                                   "exp:nan",
                                   "exp:inf",
                                   "exp:0.9junk",
                                   "exp:+0.9",
                                   "cosine:1"}) {
      CAPTURE(spec);
      const std::string message = error_of(spec);
      REQUIRE(!message.empty());
      CHECK(message.find("'" + spec + "'") != std::string::npos);
      CHECK(message.find("step:N:γ") != std::string::npos);
      CHECK(message.find("inv-sqrt") != std::string::npos);
      CHECK(message.find("cosine") != std::string::npos);
    }
    CHECK(error_of("wobble") ==
          "schedule 'wobble': unknown schedule; accepted forms: constant, inv-sqrt, step:N:γ "
          "(×γ every N epochs), exp:γ (×γ every epoch), cosine");
    CHECK(error_of("step:0:0.5").find("N (epochs between drops) must be >= 1, got 0") !=
          std::string::npos);
    CHECK(error_of("step:10:1.5").find("γ must be in (0, 1], got 1.5") != std::string::npos);
    CHECK(error_of("exp:0.9junk").find("'0.9junk' is not a number") != std::string::npos);
    // γ = 1 is allowed (no decay).
    CHECK(make_schedule("exp:1", {})->factor(100) == 1.0);
  }

  TEST_CASE("schedule: a bad context throws naming the field") {
    CHECK_THROWS_WITH_AS(make_schedule("constant", {0, 1, 0}),
                         "schedule: steps_per_epoch must be >= 1, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(make_schedule("cosine", {1, 0, 0}),
                         "schedule: total_steps must be >= 1, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(make_schedule("constant", {1, 1, -1}),
                         "schedule: warmup_steps must be >= 0, got -1", std::invalid_argument);
  }
}
