#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "adamite/adamite.hpp"
#include "gradcheck.hpp"

using namespace adamite;

TEST_SUITE("autograd") {
  TEST_CASE("autograd: known derivatives") {
    Tensor x = Tensor::from_vector({3}, {1.0f, 2.0f, 3.0f});
    x.set_requires_grad(true);
    Tensor loss = sum(mul(x, x));  // d/dx Σx² = 2x
    loss.backward();
    CHECK(x.grad().to_vector() == std::vector<float>{2.0f, 4.0f, 6.0f});
    // Gradients accumulate across backward passes until zeroed, as in PyTorch.
    sum(x).backward();
    CHECK(x.grad().to_vector() == std::vector<float>{3.0f, 5.0f, 7.0f});
  }

  TEST_CASE("autograd: NoGradGuard records no graph") {
    Tensor w = Tensor::full({2, 2}, 1.0f);
    w.set_requires_grad(true);
    {
      NoGradGuard guard;
      CHECK_FALSE(grad_enabled());
      Tensor y = relu(w);
      CHECK_FALSE(y.requires_grad());
      CHECK(y.grad_fn() == nullptr);
    }
    CHECK(grad_enabled());
    CHECK(relu(w).requires_grad());
  }

  TEST_CASE("autograd: backward needs a scalar and a graph") {
    Tensor w = Tensor::full({2}, 1.0f);
    w.set_requires_grad(true);
    CHECK_THROWS_WITH_AS(relu(w).backward(), doctest::Contains("scalar"), std::invalid_argument);
    CHECK_THROWS_AS(sum(Tensor::full({2}, 1.0f)).backward(), std::logic_error);
  }

  TEST_CASE("autograd: backward frees the graph of intermediate tensors") {
    Tensor w = Tensor::full({2}, 1.0f);
    w.set_requires_grad(true);
    Tensor h = relu(w);
    Tensor loss = sum(h);
    loss.backward();
    CHECK(h.grad_fn() == nullptr);
    CHECK_FALSE(h.grad().defined());
    CHECK(w.grad().defined());
  }

  TEST_CASE("autograd: a gradient that is a view into a flat buffer is accumulated in place") {
    const Tensor flat = Tensor::zeros({40});
    const Tensor w = Tensor::full({2, 3}, 2.0f).set_requires_grad(true);
    w.set_grad(flat.view_at(16, {2, 3}));
    sum(mul(w, w)).backward();
    const std::vector<float> all = flat.to_vector();
    for (int i = 0; i < 40; ++i) CHECK(all[i] == (i >= 16 && i < 22 ? 4.0f : 0.0f));
    CHECK(w.grad().data() == flat.data() + 16);
    CHECK_THROWS_WITH_AS(flat.view_at(36, {2, 3}), doctest::Contains("[2, 3] from element 36"),
                         std::invalid_argument);
    CHECK_THROWS_AS(flat.view_at(-1, {2}), std::invalid_argument);
  }

  TEST_CASE("autograd: a backward pass run inside a backward closure leaves the outer one intact") {
    Tensor a = Tensor::full({1}, 3.0f);
    a.set_requires_grad(true);
    const Tensor inner = sum(mul(a, a));  // recorded beforehand: closures run without recording
    Tensor x = Tensor::from_vector({2}, {1.0f, 2.0f});
    x.set_requires_grad(true);
    const Tensor h = mul(x, x);
    const Tensor y = h.detach();  // h again, through an op whose backward runs the inner pass
    record("identity", y, {h}, [h, inner](const Tensor& g) {
      inner.backward();
      h.grad_or_zeros().array() += g.array();
    });
    sum(mul(y, x)).backward();  // d/dx Σx³ = 3x²
    CHECK(x.grad().to_vector() == std::vector<float>{3.0f, 12.0f});
    CHECK(a.grad().to_vector() == std::vector<float>{6.0f});
  }

  TEST_CASE("autograd: shape errors name the op and both shapes") {
    const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 5});
    CHECK_THROWS_WITH_AS(matmul(a, b), doctest::Contains("matmul"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(matmul(a, b), doctest::Contains("[2, 3] and [4, 5]"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("add: shapes [2, 3] and [4, 5]"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(linear(a, b), doctest::Contains("linear"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(reshape(a, {4, -1}), doctest::Contains("[2, 3] to [4, -1]"),
                         std::invalid_argument);
    const std::vector<int32_t> targets{0, 3};
    CHECK_THROWS_WITH_AS(cross_entropy(a, targets), doctest::Contains("target 3"),
                         std::invalid_argument);
  }

  TEST_CASE("autograd: cross_entropy value and stability") {
    // Uniform logits over 4 classes: loss = log 4 whatever the target.
    const std::vector<int32_t> targets{2};
    CHECK(cross_entropy(Tensor::full({1, 4}, 1000.0f), targets).item() ==
          doctest::Approx(std::log(4.0)));
    const Tensor logits = Tensor::from_vector({1, 3}, {0.0f, 0.0f, 1000.0f});
    CHECK(std::isfinite(cross_entropy(logits, targets).item()));
    CHECK(cross_entropy(logits, targets).item() == doctest::Approx(0.0).epsilon(1e-6));
  }

  TEST_CASE("autograd: dropout statistics and evaluation mode") {
    Generator gen(5);
    const Tensor x = Tensor::full({100, 100}, 1.0f);
    const Tensor y = dropout(x, 0.3f, true, gen);
    int64_t zeros = 0;
    for (float v : y.to_vector()) {
      if (v == 0.0f)
        ++zeros;
      else
        CHECK(v == doctest::Approx(1.0f / 0.7f));
    }
    CHECK(double(zeros) / 10000.0 == doctest::Approx(0.3).epsilon(0.1));
    CHECK(dropout(x, 0.3f, false, gen).same(x));  // evaluation: the identity, no copy
    Generator a(42), b(42);
    CHECK(dropout(x, 0.5f, true, a).to_vector() == dropout(x, 0.5f, true, b).to_vector());
  }

  TEST_CASE("autograd: an op writes a gradient that did not exist and adds to one that did") {
    // Ops write the gradient of an input that has none yet (no zero fill): every element must be
    // written, though the storage they get holds NaNs, and a second pass must add to it.
    Generator gen(5);
    const auto check = [&](const std::string& what, const Shape& shape,
                           const std::function<Tensor(const Tensor&)>& f) {
      CAPTURE(what);
      const Tensor x = testing::random_tensor(shape, gen).set_requires_grad(true);
      const Tensor weights = testing::random_tensor(f(x.detach()).shape(), gen);
      const auto loss = [&] { return sum(mul(f(x), weights)); };
      x.set_grad(Tensor::zeros(shape));  // the reference: added onto zeros
      loss().backward();
      const std::vector<float> once = x.grad().to_vector();
      x.set_grad(Tensor());
      {
        const testing::PoisonedStorage poisoned;  // the fresh gradient starts as NaNs
        loss().backward();
      }
      CHECK(x.grad().to_vector() == once);
      loss().backward();  // adds: as much again (exactly so where each element gets one sum)
      const std::vector<float> twice = x.grad().to_vector();
      for (size_t i = 0; i < once.size(); ++i)
        CHECK(twice[i] == doctest::Approx(2.0 * once[i]).epsilon(1e-5));
    };
    check("relu", {4, 300}, [](const Tensor& x) { return relu(x); });
    check("add", {2, 3, 40}, [&](const Tensor& x) { return add(x, x.detach()); });
    const Tensor row = testing::random_tensor({40}, gen);
    check("add, broadcast", {2, 3, 40}, [&](const Tensor& x) { return add(row, x); });
    check("add_relu", {4, 300}, [&](const Tensor& x) { return add_relu(x.detach(), x); });
    check("add_relu, one input twice", {4, 300}, [](const Tensor& x) { return add_relu(x, x); });
    check("dropout", {8, 100}, [](const Tensor& x) {
      Generator mask(3);
      return dropout(x, 0.5f, true, mask);
    });
    const Tensor gamma = testing::random_tensor({16}, gen),
                 beta = testing::random_tensor({16}, gen);
    check("batch_norm", {4, 16, 6, 6},
          [&](const Tensor& x) { return batch_norm(x, {}, {}, gamma, beta, true, 0.1f, 1e-5f); });
    const Tensor k3 = testing::random_tensor({16, 16, 3, 3}, gen, -0.2f, 0.2f);
    check("conv2d 3x3 same size", {3, 16, 8, 8}, [&](const Tensor& x) {
      return conv2d(x, k3, {}, {1, 1}, {1, 1});
    });
    check("conv2d 3x3 stride 2", {3, 16, 8, 8}, [&](const Tensor& x) {
      return conv2d(x, k3, {}, {2, 2}, {1, 1});
    });
    const Tensor k1 = testing::random_tensor({8, 3, 1, 1}, gen);
    check("conv2d 1x1 stride 2", {2, 3, 7, 7}, [&](const Tensor& x) {
      return conv2d(x, k1, {}, {2, 2}, {0, 0});
    });
  }

}  // TEST_SUITE
