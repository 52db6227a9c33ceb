// Every registry entry converges on two classic functions built with adamite ops and autograd: a
// convex quadratic, and Rosenbrock's curved valley.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "adamite/adamite.hpp"
#include "optim_support.hpp"

using namespace adamite;
using adamite::testing::parameter;
using adamite::testing::registry_names;

namespace {

// One optimizer step on the loss `loss` builds: zero_grad, forward, backward, step.
template <class Loss>
float descend(optim::Optimizer& optimizer, Loss loss) {
  optimizer.zero_grad();
  const Tensor f = loss();
  f.backward();
  optimizer.step();
  return f.item();
}

}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("optim: every algorithm drives a convex quadratic to its minimum") {
    // f(x) = Σ cᵢ xᵢ², cᵢ = 1..10, from xᵢ = ±(0.5 + 0.1 i); the minimum is f = 0 at x = 0, and
    // "within 1e-3" means f < 1e-3. Learning rates: SGD below 2/max(2cᵢ) = 0.1; RMSProp's steps
    // stay ≈ α near the minimum, so α sets its floor (f ≈ Σ cᵢ α²); AdaDelta at α = 1 settles into
    // a self-sustaining oscillation x → −x (its step √d/√s·g is then exactly 2x, and ε slowly grows
    // it), which α = 0.1 damps.
    struct Setting {
      double lr;
      int steps;
    };
    const std::map<std::string, Setting> table = {
        {"sgd", {0.05, 500}},      {"nesterov", {0.01, 500}}, {"adagrad", {0.5, 2000}},
        {"rmsprop", {2e-3, 3000}}, {"adadelta", {0.1, 5000}}, {"adam", {0.05, 2000}},
        {"adamw", {0.05, 2000}},   {"adamax", {0.05, 2000}},  {"nadam", {0.05, 2000}},
        {"amsgrad", {0.05, 2000}}};
    std::vector<float> c(10), x0(10);
    for (size_t i = 0; i < 10; ++i) {
      c[i] = float(i + 1);
      x0[i] = (i % 2 == 0 ? 1.0f : -1.0f) * (0.5f + 0.1f * float(i));
    }
    const Tensor coefficients = Tensor::from_vector({10}, c);
    for (const std::string& name : registry_names()) {
      CAPTURE(name);
      REQUIRE(table.count(name) == 1);
      const Setting s = table.at(name);
      Tensor x = parameter(x0);
      optim::Hyperparameters h;
      h.lr = s.lr;
      auto optimizer = optim::make_optimizer(name, {x}, h);
      const auto f = [&] { return sum(mul(coefficients, square(x))); };
      const float start = f().item();
      for (int t = 0; t < s.steps; ++t) descend(*optimizer, f);
      const float end = f().item();
      MESSAGE(name, ": f ", start, " -> ", end);
      CHECK(end < 1e-3f);
    }
  }

  TEST_CASE("optim: every algorithm takes the Rosenbrock function from (-1.5, 2) below a tenth") {
    // f(x, y) = (1 − x)² + 100 (y − x²)², f(−1.5, 2) = 6.25 + 6.25 = 12.5; the minimum is 0 at
    // (1, 1) at the end of a long curved valley. x and y are picked out of one parameter with
    // masks, so mul/sum/sub/square and their gradients all take part. SGD needs α < 2/1902 (the
    // Hessian's largest eigenvalue at the start); the adaptive methods take their usual rates.
    struct Setting {
      double lr;
      int steps;
    };
    const std::map<std::string, Setting> table = {
        {"sgd", {8e-4, 10000}},    {"nesterov", {1e-4, 3000}}, {"adagrad", {0.1, 3000}},
        {"rmsprop", {1e-3, 3000}}, {"adadelta", {1.0, 3000}},  {"adam", {1e-2, 3000}},
        {"adamw", {1e-2, 3000}},   {"adamax", {1e-2, 3000}},   {"nadam", {1e-2, 3000}},
        {"amsgrad", {1e-2, 3000}}};
    const Tensor ex = Tensor::from_vector({2}, {1.0f, 0.0f}),
                 ey = Tensor::from_vector({2}, {0.0f, 1.0f});
    for (const std::string& name : registry_names()) {
      CAPTURE(name);
      REQUIRE(table.count(name) == 1);
      const Setting s = table.at(name);
      Tensor p = parameter({-1.5f, 2.0f});
      optim::Hyperparameters h;
      h.lr = s.lr;
      auto optimizer = optim::make_optimizer(name, {p}, h);
      const auto f = [&] {
        const Tensor x = sum(mul(p, ex)), y = sum(mul(p, ey));
        return square(1.0f - x) + 100.0f * square(y - square(x));
      };
      const float start = f().item();
      CHECK(start == doctest::Approx(12.5));
      for (int t = 0; t < s.steps; ++t) descend(*optimizer, f);
      const float end = f().item();
      MESSAGE(name, ": f ", start, " -> ", end, " at (", p.to_vector()[0], ", ", p.to_vector()[1],
              ")");
      CHECK(end < start / 10.0f);
    }
  }
}  // TEST_SUITE
