// Gradient clipping by hand, and through fit: the hook between backward and the optimizer step.
#include <doctest/doctest.h>

#include <cmath>

#include "adamite/adamite.hpp"
#include "support.hpp"

using namespace adamite;

namespace {
Tensor with_grad(const std::vector<float>& values, const std::vector<float>& grad) {
  Tensor p = Tensor::from_vector({int64_t(values.size())}, values).set_requires_grad(true);
  p.set_grad(Tensor::from_vector(p.shape(), grad));
  return p;
}

double joint_norm(const std::vector<Tensor>& parameters) {
  double squares = 0;
  for (const Tensor& p : parameters)
    for (float g : p.grad().to_vector()) squares += double(g) * g;
  return std::sqrt(squares);
}

// Records the gradients' joint norm each time the optimizer is about to step.
struct NormWatcher : train::FitCallbacks {
  std::vector<double> norms;
  void before_step(nn::Module& model, optim::Optimizer&) override {
    norms.push_back(joint_norm(model.parameters()));
  }
};
}  // namespace

TEST_SUITE("nn") {
  TEST_CASE("nn: clip_grad_norm scales by max_norm/(norm + 1e-6) above the bound, as PyTorch") {
    const Tensor a = with_grad({0, 0}, {3, 4}), b = with_grad({0}, {12});
    const Tensor no_grad = Tensor::zeros({2}).set_requires_grad(true);
    CHECK(nn::clip_grad_norm({a, b, no_grad}, 6.5) == doctest::Approx(13.0));
    const float scale = static_cast<float>(6.5 / (13.0 + 1e-6));
    CHECK(a.grad().to_vector() == std::vector<float>{3 * scale, 4 * scale});
    CHECK(b.grad().to_vector() == std::vector<float>{12 * scale});
    // Below the bound: untouched.
    CHECK(nn::clip_grad_norm({a, b}, 100.0) == doctest::Approx(6.5).epsilon(1e-6));
    CHECK(a.grad().to_vector() == std::vector<float>{3 * scale, 4 * scale});
    // A non-finite norm leaves the gradients as they are.
    const Tensor bad = with_grad({0, 0}, {INFINITY, 1});
    CHECK(std::isinf(nn::clip_grad_norm({bad}, 1.0)));
    CHECK(bad.grad().to_vector()[1] == 1.0f);
    CHECK_THROWS_WITH_AS(nn::clip_grad_norm({a}, 0.0), doctest::Contains("max_norm must be > 0"),
                         std::invalid_argument);
  }

  TEST_CASE("nn: clip_grad_value clamps every element") {
    const Tensor a = with_grad({0, 0, 0}, {-3, 0.5f, 9});
    nn::clip_grad_value({a}, 1.0);
    CHECK(a.grad().to_vector() == std::vector<float>{-1, 0.5f, 1});
    CHECK_THROWS_AS(nn::clip_grad_value({a}, -1.0), std::invalid_argument);
  }

  TEST_CASE("nn: fit calls before_step with the step's gradients, clipped first when asked") {
    const data::Dataset set = testing::random_dataset(64, 6, 2, 3);
    auto train = [&](double clip) {
      manual_seed(0);
      nn::Sequential model;
      model.add<nn::Linear>(6, 2);
      optim::SGD sgd(model.parameters(), optim::SGDOptions(0.5));
      data::DataLoader loader(set, 16, false);
      NormWatcher watcher;
      train::FitOptions options;
      options.epochs = 2;
      options.callbacks = &watcher;
      options.clip_grad_norm = clip;
      train::fit(model, sgd, loader, nullptr, options);
      return std::make_pair(watcher.norms, model.parameters()[0].to_vector());
    };
    const auto [free_norms, free_weights] = train(0.0);
    const auto [clipped_norms, clipped_weights] = train(0.01);
    REQUIRE(free_norms.size() == 8);  // 2 epochs of 4 minibatches
    REQUIRE(clipped_norms.size() == 8);
    CHECK(free_norms[0] > 0.01);
    for (double norm : clipped_norms) CHECK(norm <= 0.01 * (1 + 1e-5));
    CHECK(free_weights != clipped_weights);
    train::FitOptions bad;
    bad.clip_grad_norm = -1.0;
    nn::Sequential model;
    model.add<nn::Linear>(6, 2);
    optim::SGD sgd(model.parameters(), optim::SGDOptions(0.5));
    data::DataLoader loader(set, 16, false);
    CHECK_THROWS_WITH_AS(train::fit(model, sgd, loader, nullptr, bad),
                         doctest::Contains("clip_grad_norm must be >= 0"), std::invalid_argument);
  }
}
