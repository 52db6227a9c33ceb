// Optimizers against hand-computed updates, and the paper's oracles.
#include <doctest/doctest.h>

#include <cmath>

#include "adamite/adamite.hpp"
#include "adamite/optim/adam.hpp"
#include "adamite/optim/registry.hpp"
#include "adamite/optim/sgd.hpp"

using namespace adamite;

namespace {
// A parameter with the given values and a gradient we set by hand each step.
Tensor parameter(std::vector<float> values) {
  Tensor p = Tensor::from_vector({int64_t(values.size())}, values);
  p.set_requires_grad(true);
  return p;
}
void set_grad(const Tensor& p, std::vector<float> g) {
  p.set_grad(Tensor::from_vector(p.shape(), g));
}
}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("optim: SGD, momentum and Nesterov for 3 steps, by hand") {
    // θ0 = 1, g = 0.5 each step, α = 0.1, μ = 0.9.
    Tensor plain = parameter({1.0f}), heavy = parameter({1.0f}), nesterov = parameter({1.0f});
    optim::SGD sgd({plain}, optim::SGDOptions(0.1));
    optim::SGD momentum({heavy}, optim::SGDOptions(0.1).momentum(0.9));
    optim::SGD nag({nesterov}, optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
    // momentum:  b = 0.5, 0.95, 1.355         θ = 0.95, 0.855, 0.7195
    // Nesterov:  θ −= 0.1 (g + 0.9 b)         θ = 0.905, 0.7695, 0.59755
    const float expected_plain[] = {0.95f, 0.90f, 0.85f};
    const float expected_momentum[] = {0.95f, 0.855f, 0.7195f};
    const float expected_nesterov[] = {0.905f, 0.7695f, 0.59755f};
    for (int t = 0; t < 3; ++t) {
      for (const Tensor& p : {plain, heavy, nesterov}) set_grad(p, {0.5f});
      sgd.step();
      momentum.step();
      nag.step();
      CHECK(plain.item() == doctest::Approx(expected_plain[t]).epsilon(1e-6));
      CHECK(heavy.item() == doctest::Approx(expected_momentum[t]).epsilon(1e-6));
      CHECK(nesterov.item() == doctest::Approx(expected_nesterov[t]).epsilon(1e-6));
    }
  }

  TEST_CASE("optim: Adam for 3 steps, by hand") {
    // θ0 = 1, α = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8; g = 0.5, -0.25, 1.0.
    //  t=1: m = 0.05,   v = 0.00025;    m̂ = 0.5,        v̂ = 0.25          θ = 0.9
    //  t=2: m = 0.02,   v = 0.00031225; m̂ = 0.02/0.19,  v̂ = 0.00031225/0.001999
    //       θ = 0.9 − 0.1·0.1052632/0.3952254 = 0.8733663
    //  t=3: m = 0.118,  v = 0.00131194; m̂ = 0.118/0.271, v̂ = 0.00131194/0.002997
    //       θ = 0.8733663 − 0.1·0.4354244/0.6616272 = 0.8075551
    Tensor p = parameter({1.0f});
    optim::Adam adam({p}, optim::AdamOptions(0.1));
    const float grads[] = {0.5f, -0.25f, 1.0f};
    const double expected[] = {0.9, 0.8733663, 0.8075551};
    for (int t = 0; t < 3; ++t) {
      set_grad(p, {grads[t]});
      adam.step();
      CHECK(p.item() == doctest::Approx(expected[t]).epsilon(2e-6));
      CHECK(adam.step_count() == t + 1);
    }
    CHECK(adam.state(0, "exp_avg").item() == doctest::Approx(0.118).epsilon(1e-5));
    CHECK(adam.state(0, "exp_avg_sq").item() == doctest::Approx(0.00131194).epsilon(1e-4));
  }

  TEST_CASE("optim: Adam without bias correction uses raw moments") {
    Tensor p = parameter({1.0f});
    optim::Adam adam({p}, optim::AdamOptions(0.1).bias_correction(false));
    set_grad(p, {0.5f});
    adam.step();
    // m = 0.05, v = 0.00025: θ = 1 − 0.1·0.05/(√0.00025 + 1e-8) = 1 − 0.316228
    CHECK(p.item() == doctest::Approx(1.0 - 0.1 * 0.05 / std::sqrt(0.00025)).epsilon(1e-5));
  }

  TEST_CASE("optim: Adam's first step is alpha times the sign of the gradient") {
    Tensor p = parameter({0.0f, 0.0f, 0.0f, 0.0f});
    optim::Adam adam({p}, optim::AdamOptions(1e-3));
    set_grad(p, {3.0f, -1e-3f, 250.0f, -7.0f});
    adam.step();
    const std::vector<float> moved = p.to_vector();
    const float signs[] = {-1, 1, -1, 1};
    for (size_t i = 0; i < 4; ++i)
      CHECK(moved[i] == doctest::Approx(1e-3 * signs[i]).epsilon(1e-4));
  }

  TEST_CASE("optim: Adam's update is invariant to scaling the loss") {
    Tensor a = parameter({0.3f, -0.7f}), b = parameter({0.3f, -0.7f});
    optim::Adam adam_a({a}, optim::AdamOptions(0.01)), adam_b({b}, optim::AdamOptions(0.01));
    const std::vector<std::vector<float>> grads = {{0.2f, -0.1f}, {0.05f, 0.3f}, {-0.4f, 0.2f}};
    for (const auto& g : grads) {
      set_grad(a, g);
      set_grad(b, {g[0] * 1000.0f, g[1] * 1000.0f});
      adam_a.step();
      adam_b.step();
    }
    CHECK(a.to_vector()[0] == doctest::Approx(b.to_vector()[0]).epsilon(1e-5));
    CHECK(a.to_vector()[1] == doctest::Approx(b.to_vector()[1]).epsilon(1e-5));
  }

  TEST_CASE("optim: t advances once per step, not once per tensor") {
    Tensor p = parameter({1.0f}), q = parameter({1.0f});
    optim::Adam two({p, q}, optim::AdamOptions(0.1));
    Tensor r = parameter({1.0f});
    optim::Adam one({r}, optim::AdamOptions(0.1));
    for (int t = 0; t < 3; ++t) {
      for (const Tensor& x : {p, q, r}) set_grad(x, {0.5f});
      two.step();
      one.step();
    }
    CHECK(two.step_count() == 3);
    CHECK(q.item() == r.item());  // the second tensor saw the same t as a lone one
  }

  TEST_CASE("optim: L2 weight decay is added to the gradient") {
    Tensor p = parameter({2.0f});
    optim::SGD sgd({p}, optim::SGDOptions(0.1).weight_decay(0.5));
    set_grad(p, {1.0f});
    sgd.step();
    CHECK(p.item() == doctest::Approx(2.0 - 0.1 * (1.0 + 0.5 * 2.0)));
    CHECK(p.grad().item() == 1.0f);  // the user's gradient is left as it was
  }

  TEST_CASE("optim: parameters without a gradient are skipped, zero_grad zeroes in place") {
    Tensor p = parameter({1.0f}), q = parameter({1.0f});
    optim::SGD sgd({p, q}, optim::SGDOptions(0.1));
    set_grad(p, {1.0f});
    sgd.step();
    CHECK(q.item() == 1.0f);
    const float* before = p.grad().data();
    sgd.zero_grad();
    CHECK(p.grad().item() == 0.0f);
    CHECK(p.grad().data() == before);
  }

  TEST_CASE("optim: zero_grad(set_to_none) drops the gradients; backward writes them fresh") {
    // y = sum(W·x + b) through linear, whose backward writes a fresh gradient with beta 0 and
    // adds onto a held one with beta 1: the same values either way, and after set_to_none a
    // parameter the pass does not reach keeps no gradient, so step() leaves it alone (with
    // momentum, a zeroed gradient would still move it).
    Generator gen(5);
    Tensor w = Tensor::empty({3, 4}), x = Tensor::empty({4, 4});
    for (int64_t i = 0; i < 12; ++i) w.data()[i] = gen.uniform(-1.0f, 1.0f);
    for (int64_t i = 0; i < 16; ++i) x.data()[i] = gen.uniform(-1.0f, 1.0f);
    w.set_requires_grad(true);
    Tensor b = parameter({0.5f, -0.25f, 1.0f}), unused = parameter({2.0f});
    optim::SGD sgd({w, b, unused}, optim::SGDOptions(0.1).momentum(0.9));
    set_grad(unused, {1.0f});
    sum(linear(x, w, b)).backward();
    sgd.step();  // unused moves once, and builds momentum
    const float unused_after_one = unused.item();
    CHECK(unused_after_one != 2.0f);

    sgd.zero_grad();  // zeroed in place: backward adds onto zeros
    sum(linear(x, w, b)).backward();
    const std::vector<float> added_w = w.grad().to_vector(), added_b = b.grad().to_vector();
    CHECK(unused.grad().item() == 0.0f);

    sgd.zero_grad(/*set_to_none=*/true);
    CHECK(!w.grad().defined());
    CHECK(!b.grad().defined());
    CHECK(!unused.grad().defined());
    sum(linear(x, w, b)).backward();
    CHECK(w.grad().to_vector() == added_w);
    CHECK(b.grad().to_vector() == added_b);
    CHECK(!unused.grad().defined());
    sgd.step();
    CHECK(unused.item() == unused_after_one);  // skipped: no momentum step without a gradient
  }

  TEST_CASE("optim: registry builds each optimizer and rejects bad values") {
    for (const auto& entry : optim::optimizer_registry()) {
      Tensor p = parameter({1.0f});
      auto optimizer = optim::make_optimizer(entry.name, {p});
      set_grad(p, {1.0f});
      optimizer->step();
      CHECK_MESSAGE(p.item() < 1.0f, entry.name);
    }
    CHECK_THROWS_WITH_AS(optim::make_optimizer("adagrad2", {parameter({1.0f})}),
                         doctest::Contains("unknown optimizer 'adagrad2'"), std::invalid_argument);
    optim::Hyperparameters bad;
    bad.lr = -1.0;
    CHECK_THROWS_AS(optim::make_optimizer("adam", {parameter({1.0f})}, bad), std::invalid_argument);
    bad.lr = 1e-3;
    bad.beta2 = 1.0;
    CHECK_THROWS_AS(optim::make_optimizer("adam", {parameter({1.0f})}, bad), std::invalid_argument);
  }

}  // TEST_SUITE

TEST_CASE("optim: parameter groups keep their own options, the lr factor scales them all") {
  Tensor fast = parameter({1.0f}), slow = parameter({1.0f}), decayed = parameter({1.0f});
  auto slow_options = std::make_shared<optim::SGDOptions>(0.01);
  auto decayed_options =
      std::make_shared<optim::SGDOptions>(optim::SGDOptions(0.1).weight_decay(1.0));
  optim::SGD sgd({{{fast}, nullptr}, {{slow}, slow_options}, {{decayed}, decayed_options}},
                 optim::SGDOptions(0.1));
  for (const Tensor& p : {fast, slow, decayed}) set_grad(p, {1.0f});
  sgd.step();
  CHECK(fast.item() == doctest::Approx(0.9));     // the defaults: lr 0.1
  CHECK(slow.item() == doctest::Approx(0.99));    // its own lr 0.01
  CHECK(decayed.item() == doctest::Approx(0.8));  // lr 0.1, g + 1.0·θ = 2
  sgd.set_lr_factor(0.5);                         // what a schedule does
  for (const Tensor& p : {fast, slow, decayed}) set_grad(p, {1.0f});
  sgd.step();
  CHECK(fast.item() == doctest::Approx(0.85));
  CHECK(slow.item() == doctest::Approx(0.985));
  CHECK(decayed.item() == doctest::Approx(0.8 - 0.05 * 1.8));
}
