// Layers as a user writes them: sizes given as 3 or {3, 3}, a module without describe(), a shape
// error inside a Sequential, the initialisers, the parameter-free layers.
#include <doctest/doctest.h>

#include <cmath>

#include "adamite/adamite.hpp"

using namespace adamite;

namespace {
// A user's module that does not describe itself.
struct Doubler : nn::Module {
  Tensor forward(const Tensor& x) override { return x * 2.0f; }
};

namespace outer {
template <typename T>
struct Wrapped : nn::Module {
  Tensor forward(const Tensor& x) override { return x; }
};
}  // namespace outer

double standard_deviation(const Tensor& t) {
  double total = 0, squares = 0;
  for (float v : t.to_vector()) total += v, squares += double(v) * v;
  const double n = static_cast<double>(t.numel()), mean = total / n;
  return std::sqrt(squares / n - mean * mean);
}
}  // namespace

TEST_SUITE("nn") {
  TEST_CASE(
      "nn: sizes as 3 or {3, 3}, through add<> too, and pooling's stride defaults to its kernel") {
    nn::Sequential net;
    net.add<nn::Conv2d>(3, 8, 3);  // 3×3, stride 1, no padding
    net.add<nn::Conv2d>(8, 8, nn::Size2{3, 3}, 1, 1);
    net.add<nn::Conv2d>(8, 8, {3, 3}, {1, 1}, {1, 1});
    net.add<nn::Conv2d>(8, 8, {1, 1}, {2, 2});
    net.add<nn::MaxPool2d>({2, 2});
    net.add<nn::AvgPool2d>(2, 1);
    net.add<nn::Conv2d>(8, 4, {3, 5}, 1, {1, 2}, false);
    const Tensor y = net(Tensor::zeros({2, 3, 18, 18}));
    // 18 →(3) 16 →(3, pad 1) 16 → 16 →(1, stride 2) 8 →(pool 2) 4 →(avg 2, stride 1) 3 → 3
    CHECK(y.shape() == Shape{2, 4, 3, 3});
    CHECK(net.children()[3].second->describe() ==
          "Conv2d(in=8, out=8, kernel=1x1, stride=2, padding=0)");
    CHECK(net.children()[4].second->describe() == "MaxPool2d(kernel=2x2, stride=2, padding=0)");
    CHECK(net.children()[6].second->describe().find("bias=false") != std::string::npos);
  }

  TEST_CASE("nn: a module without describe() is named by its class, and summary lists it") {
    nn::Sequential net;
    net.add<Doubler>();
    net.add<nn::Identity>();
    // The class alone, as PyTorch prints it: no namespaces (an anonymous one here).
    CHECK(net.children()[0].second->describe() == "Doubler");
    CHECK(outer::Wrapped<nn::Linear>().describe() == "Wrapped<adamite::nn::Linear>");
    CHECK(nn::summary(net).find("Doubler") != std::string::npos);
    CHECK(net(Tensor::full({2}, 1.5f)).to_vector() == std::vector<float>{3.0f, 3.0f});
  }

  TEST_CASE("nn: a shape error inside a Sequential names the layer's index and type") {
    nn::Sequential net;
    net.add<nn::Flatten>();
    net.add<nn::Linear>(784, 10);
    net.add<nn::Linear>(20, 5);
    CHECK_THROWS_WITH_AS(net(Tensor::zeros({2, 1, 28, 28})),
                         doctest::Contains("Sequential layer 2 (Linear(in=20, out=5))"),
                         std::invalid_argument);
  }

  TEST_CASE("nn: new activation layers and global average pooling") {
    const Tensor x = Tensor::from_vector({1, 1, 2, 2}, {-1, 2, 3, -4});
    CHECK(nn::LeakyReLU(0.5f)(x).to_vector() == std::vector<float>{-0.5f, 2, 3, -2});
    CHECK(nn::LeakyReLU().describe() == "LeakyReLU(negative_slope=0.01)");
    CHECK(nn::ELU().describe() == "ELU(alpha=1)");
    CHECK(nn::GELU()(x).shape() == x.shape());
    const Tensor pooled = nn::AdaptiveAvgPool2d(1)(x);
    CHECK(pooled.shape() == Shape{1, 1, 1, 1});
    CHECK(pooled.item() == doctest::Approx(0.0));
    // Sizes that do not divide: cell i spans [⌊i·n/out⌋, ⌈(i+1)·n/out⌉).
    const Tensor row = Tensor::from_vector({1, 1, 1, 5}, {1, 2, 3, 4, 5});
    CHECK(nn::AdaptiveAvgPool2d(nn::Size2{1, 3})(row).to_vector() ==
          std::vector<float>{1.5f, 3, 4.5f});
    CHECK_THROWS_AS(nn::AdaptiveAvgPool2d(1)(Tensor::zeros({3, 4})), std::invalid_argument);
  }

  TEST_CASE("nn: initialisers give PyTorch's spreads and fans, seeded") {
    const Tensor w = Tensor::empty({256, 128, 3, 3});
    const nn::init::Fans f = nn::init::fans(w);
    CHECK(f.in == 128 * 9);
    CHECK(f.out == 256 * 9);
    Generator gen(5);
    nn::init::kaiming_normal(w, 0.0f, gen);
    CHECK(standard_deviation(w) == doctest::Approx(std::sqrt(2.0 / (128 * 9))).epsilon(0.01));
    nn::init::kaiming_uniform(w, 0.0f, gen);
    CHECK(standard_deviation(w) == doctest::Approx(std::sqrt(2.0 / (128 * 9))).epsilon(0.01));
    nn::init::xavier_uniform(w, 1.0f, gen);
    CHECK(standard_deviation(w) == doctest::Approx(std::sqrt(2.0 / (384 * 9))).epsilon(0.01));
    const float bound = static_cast<float>(std::sqrt(6.0 / (384 * 9)));
    for (float v : w.to_vector()) REQUIRE(std::fabs(v) <= bound);
    nn::init::xavier_normal(w, 2.0f, gen);
    CHECK(standard_deviation(w) == doctest::Approx(2 * std::sqrt(2.0 / (384 * 9))).epsilon(0.01));
    // Same seed, same bits.
    const Tensor a = Tensor::empty({4, 4}), b = Tensor::empty({4, 4});
    Generator g1(9), g2(9);
    nn::init::kaiming_normal(a, 0.0f, g1);
    nn::init::kaiming_normal(b, 0.0f, g2);
    CHECK(a.to_vector() == b.to_vector());
    CHECK_THROWS_WITH_AS(nn::init::xavier_uniform(Tensor::empty({5})),
                         doctest::Contains("[5] has no fan in and out"), std::invalid_argument);
    nn::Linear layer(3, 2);
    nn::init::zeros(layer.bias());
    CHECK(layer.bias().to_vector() == std::vector<float>{0, 0});
  }
}
