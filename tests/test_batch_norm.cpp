// BatchNorm: the op against hand-computed values and finite differences in both modes, and the
// layers' buffers: kept out of the optimizer, saved and loaded under PyTorch's names.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "adamite/adamite.hpp"
#include "gradcheck.hpp"
#include "support.hpp"

using namespace adamite;
using testing::check_gradients;
using testing::random_tensor;
using Inputs = std::vector<Tensor>;

TEST_SUITE("nn") {
  TEST_CASE("batch norm: values and running statistics by hand, PyTorch's update rule") {
    // One channel holding 1 and 3: μ = 2, σ² = 1 (biased; 2 unbiased).
    const Tensor x = Tensor::from_vector({2, 1}, {1, 3});
    const Tensor mean = Tensor::zeros({1}), var = Tensor::full({1}, 1.0f);
    const Tensor y = batch_norm(x, mean, var, Tensor(), Tensor(), true, 0.1f, 1e-5f);
    const float scale = 1.0f / std::sqrt(1.0f + 1e-5f);
    CHECK(y.to_vector() == std::vector<float>{-scale, scale});
    CHECK(mean.item() == doctest::Approx(0.2));  // 0.9·0 + 0.1·2
    CHECK(var.item() == doctest::Approx(1.1));   // 0.9·1 + 0.1·2
    // Evaluation uses the running statistics, and γ, β.
    const Tensor z = batch_norm(x, mean, var, Tensor::full({1}, 2.0f), Tensor::full({1}, 0.5f),
                                false, 0.1f, 1e-5f);
    const float inv = 1.0f / std::sqrt(1.1f + 1e-5f);
    CHECK(z.to_vector()[0] == doctest::Approx(2 * (1 - 0.2) * inv + 0.5));
    CHECK_THROWS_WITH_AS(batch_norm(Tensor::zeros({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(),
                                    true, 0.1f, 1e-5f),
                         doctest::Contains("more than 1 value per channel"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(batch_norm(Tensor::zeros({2, 3}), Tensor::zeros({4}), Tensor::zeros({4}),
                                    Tensor(), Tensor(), true, 0.1f, 1e-5f),
                         doctest::Contains("has 3 channels"), std::invalid_argument);
  }

  TEST_CASE("gradcheck: batch norm in training and evaluation, [N, C] and [N, C, H, W]") {
    Generator gen(21);
    for (const Shape& shape : {Shape{5, 3}, Shape{2, 3, 2, 3}}) {
      const int64_t c = shape[1];
      check_gradients(
          "batch_norm training",
          {random_tensor(shape, gen), random_tensor({c}, gen, 0.5f, 1.5f), random_tensor({c}, gen)},
          [](const Inputs& in) {
            return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1f, 1e-5f);
          });
      const Tensor mean = random_tensor({c}, gen), var = random_tensor({c}, gen, 0.5f, 2.0f);
      check_gradients(
          "batch_norm evaluation",
          {random_tensor(shape, gen), random_tensor({c}, gen, 0.5f, 1.5f), random_tensor({c}, gen)},
          [&](const Inputs& in) {
            return batch_norm(in[0], mean, var, in[1], in[2], false, 0.1f, 1e-5f);
          });
    }
  }

  TEST_CASE("batch norm + ReLU: relu(batch_norm) bit for bit, both modes, and its gradients") {
    Generator gen(22);
    for (const bool training : {true, false}) {
      CAPTURE(training);
      const Shape shape{4, 16, 5, 7};  // large enough for threads, odd rows for the lane tails
      const Tensor x = random_tensor(shape, gen, -2.0f, 2.0f).set_requires_grad(true);
      const Tensor gamma = random_tensor({16}, gen, -1.5f, 1.5f).set_requires_grad(true);
      const Tensor beta = random_tensor({16}, gen, -0.5f, 0.5f).set_requires_grad(true);
      const Tensor weights = random_tensor(shape, gen);
      std::vector<std::vector<float>> results[2];
      for (const bool fused : {false, true}) {
        const Tensor mean = Tensor::zeros({16}), var = Tensor::full({16}, 1.5f);
        for (const Tensor* t : {&x, &gamma, &beta}) t->set_grad(Tensor());
        const Tensor y = fused ? batch_norm_relu(x, mean, var, gamma, beta, training, 0.1f, 1e-5f)
                               : relu(batch_norm(x, mean, var, gamma, beta, training, 0.1f, 1e-5f));
        sum(mul(y, weights)).backward();
        results[fused] = {y.to_vector(),           x.grad().to_vector(), gamma.grad().to_vector(),
                          beta.grad().to_vector(), mean.to_vector(),     var.to_vector()};
      }
      CHECK(std::count(results[1][0].begin(), results[1][0].end(), 0.0f) > 100);  // ReLU cuts
      for (size_t i = 0; i < results[0].size(); ++i) {
        CAPTURE(i);
        CHECK(results[1][i] == results[0][i]);
      }
    }
    // Finite differences, inputs away from ReLU's kink.
    for (const Shape& shape : {Shape{6, 3}, Shape{3, 3, 2, 3}}) {
      check_gradients("batch_norm_relu training",
                      {testing::away_from_zero(shape, gen, 0.2f, 1.0f),
                       random_tensor({3}, gen, 0.5f, 1.5f), random_tensor({3}, gen, -0.1f, 0.1f)},
                      [](const Inputs& in) {
                        return batch_norm_relu(in[0], Tensor(), Tensor(), in[1], in[2], true, 0.1f,
                                               1e-5f);
                      });
      const Tensor mean = random_tensor({3}, gen), var = random_tensor({3}, gen, 0.5f, 2.0f);
      check_gradients("batch_norm_relu evaluation",
                      {random_tensor(shape, gen, -2.0f, 2.0f), random_tensor({3}, gen, 0.5f, 1.5f),
                       random_tensor({3}, gen)},
                      [&](const Inputs& in) {
                        return batch_norm_relu(in[0], mean, var, in[1], in[2], false, 0.1f, 1e-5f);
                      });
    }
  }

  TEST_CASE("batch norm: channels walked in groups, against a reference in double, any threads") {
    // 37 channels of 2x4: groups of 16, 16 and 5 neighbours; 12x10 rows with 16 images: large
    // enough for threads, groups of 8 and a last one of 5, rows with a lane tail; 8 channels of
    // 8x8: one group on one thread, two on two.
    Generator gen(23);
    for (const Shape& shape : {Shape{3, 37, 2, 4}, Shape{16, 37, 12, 10}, Shape{128, 8, 8, 8}}) {
      CAPTURE(to_string(shape));
      const int64_t n = shape[0], c = shape[1], inner = shape[2] * shape[3];
      const Tensor x = random_tensor(shape, gen, -1.0f, 3.0f);
      const Tensor gamma = random_tensor({c}, gen, 0.5f, 1.5f), beta = random_tensor({c}, gen);
      const Tensor dy = random_tensor(shape, gen);
      std::vector<std::vector<float>> runs;
      for (const int threads : {1, 2}) {
        omp_set_num_threads(threads);
        const Tensor xt = x.detach().set_requires_grad(true);
        const Tensor g = gamma.detach().set_requires_grad(true);
        const Tensor b = beta.detach().set_requires_grad(true);
        const Tensor mean = Tensor::zeros({c}), var = Tensor::full({c}, 1.0f);
        const Tensor y = batch_norm(xt, mean, var, g, b, true, 0.1f, 1e-5f);
        sum(mul(y, dy)).backward();
        runs.push_back(y.to_vector());
        for (const Tensor& t : {xt.grad(), g.grad(), b.grad(), mean, var}) {
          const std::vector<float> v = t.to_vector();
          runs.back().insert(runs.back().end(), v.begin(), v.end());
        }
        omp_set_num_threads(omp_get_num_procs());
        if (threads == 2) break;
        // The reference, channel by channel in double.
        const float *px = x.data(), *pd = dy.data();
        for (int64_t k = 0; k < c; ++k) {
          const auto at = [&](int64_t o, int64_t i) { return (o * c + k) * inner + i; };
          double mu = 0, var_k = 0, sum_g = 0, sum_gx = 0;
          for (int64_t o = 0; o < n; ++o)
            for (int64_t i = 0; i < inner; ++i) mu += px[at(o, i)];
          mu /= static_cast<double>(n * inner);
          for (int64_t o = 0; o < n; ++o)
            for (int64_t i = 0; i < inner; ++i) var_k += (px[at(o, i)] - mu) * (px[at(o, i)] - mu);
          var_k /= static_cast<double>(n * inner);
          const double invstd = 1.0 / std::sqrt(var_k + 1e-5);
          for (int64_t o = 0; o < n; ++o)
            for (int64_t i = 0; i < inner; ++i) {
              sum_g += pd[at(o, i)];
              sum_gx += pd[at(o, i)] * (px[at(o, i)] - mu) * invstd;
            }
          const double m = static_cast<double>(n * inner), gk = gamma.data()[k];
          for (int64_t o = 0; o < n; ++o)
            for (int64_t i = 0; i < inner; ++i) {
              const double xhat = (px[at(o, i)] - mu) * invstd;
              CHECK(y.data()[at(o, i)] ==
                    doctest::Approx(gk * xhat + beta.data()[k]).epsilon(1e-5));
              const double dx = gk * invstd * (pd[at(o, i)] - sum_g / m - xhat * sum_gx / m);
              CHECK(xt.grad().data()[at(o, i)] == doctest::Approx(dx).epsilon(1e-4).scale(1e-3));
            }
          CHECK(g.grad().data()[k] == doctest::Approx(sum_gx).epsilon(1e-4));
          CHECK(b.grad().data()[k] == doctest::Approx(sum_g).epsilon(1e-4));
          CHECK(mean.data()[k] == doctest::Approx(0.1 * mu).epsilon(1e-5));
          CHECK(var.data()[k] == doctest::Approx(0.9 + 0.1 * var_k * m / (m - 1)).epsilon(1e-5));
        }
      }
      CHECK(runs[0] == runs[1]);
    }
  }

  TEST_CASE("batch norm: buffers stay out of the optimizer and travel with the weights") {
    adamite::testing::TempDir dir;
    manual_seed(0);
    nn::Sequential net;
    net.add<nn::Conv2d>(2, 4, 3, 1, 1);
    net.add<nn::BatchNorm2d>(4);
    net.add<nn::ReLU>();
    CHECK(net.parameters().size() == 4);  // conv weight and bias, γ, β
    std::vector<std::string> names;
    for (const auto& [name, tensor] : net.named_state()) names.push_back(name);
    CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                            "1.running_mean", "1.running_var",
                                            "1.num_batches_tracked"});
    CHECK(nn::summary(net).find("9 buffer values") != std::string::npos);
    optim::Adam adam(net.parameters());  // buffers do not require gradients: not given
    const Tensor x = random_tensor({3, 2, 5, 5}, default_generator());
    for (int step = 0; step < 3; ++step) {
      adam.zero_grad();
      mean(square(net(x))).backward();
      adam.step();
    }
    const auto* bn = dynamic_cast<const nn::BatchNorm2d*>(net.children()[1].second.get());
    REQUIRE(bn != nullptr);
    CHECK(net.named_buffers()[2].second.item() == 3.0f);  // num_batches_tracked
    CHECK(bn->running_mean().to_vector() != std::vector<float>(4, 0.0f));
    io::save_module(dir / "bn.safetensors", net);

    manual_seed(1);
    nn::Sequential other;
    other.add<nn::Conv2d>(2, 4, 3, 1, 1);
    other.add<nn::BatchNorm2d>(4);
    other.add<nn::ReLU>();
    io::load_module(dir / "bn.safetensors", other);
    for (size_t i = 0; i < net.named_state().size(); ++i)
      CHECK(net.named_state()[i].second.to_vector() == other.named_state()[i].second.to_vector());
    net.eval();
    other.eval();
    CHECK(net(x).to_vector() == other(x).to_vector());
    CHECK_THROWS_WITH_AS(nn::BatchNorm2d(4)(Tensor::zeros({2, 4})),
                         doctest::Contains("BatchNorm2d: unexpected input shape [2, 4]"),
                         std::invalid_argument);
  }
}
