// Ops that work along one dimension (reductions, softmax, concat, narrow, permute), the newer
// activations (add_relu against relu(add)) and losses: values against numbers worked out by hand
// (python3, double precision). Their gradients are checked in test_gradcheck.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "adamite/adamite.hpp"

using namespace adamite;

namespace {
void check_values(const Tensor& t, const std::vector<float>& expected, double eps = 1e-6) {
  const std::vector<float> got = t.to_vector();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    CHECK_MESSAGE(got[i] == doctest::Approx(expected[i]).epsilon(eps), "[", i, "]");
}
const int32_t kTargets[] = {2, 0};
}  // namespace

TEST_SUITE("ops") {
  TEST_CASE("ops: sum, mean and max along a dimension, keepdim and negative dimensions") {
    const Tensor x = Tensor::from_vector({2, 3}, {1, 5, 3, -4, 2, 2});
    check_values(sum(x, 0), {-3, 7, 5});
    check_values(sum(x, 1), {9, 0});
    check_values(mean(x, -1), {3, 0});
    check_values(max(x, 1), {5, 2});
    CHECK(sum(x, 0).shape() == Shape{3});
    CHECK(sum(x, 0, true).shape() == Shape{1, 3});
    CHECK(mean(x, 1, true).shape() == Shape{2, 1});
    CHECK(argmax(x, 1) == std::vector<int64_t>{1, 1});  // ties: the first
    CHECK(argmax(x, 0) == std::vector<int64_t>{0, 0, 0});
    const Tensor with_nan = Tensor::from_vector({3}, {1, NAN, 7});
    CHECK(argmax(with_nan, 0) == std::vector<int64_t>{1});
    CHECK(std::isnan(max(with_nan, 0).item()));
    CHECK_THROWS_WITH_AS(sum(x, 2),
                         doctest::Contains("dimension 2 is out of range for shape [2, 3]"),
                         std::invalid_argument);
    CHECK_THROWS_AS(max(Tensor::zeros({2, 0}), 1), std::invalid_argument);
  }

  TEST_CASE("ops: softmax and log_softmax along any dimension, finite for huge logits") {
    const Tensor z = Tensor::from_vector({2, 3}, {1, 2, 3, 1000, 1000, -1000});
    check_values(softmax(z), {0.0900305732, 0.244728471, 0.665240956, 0.5, 0.5, 0});
    check_values(log_softmax(z, 1), {-2.40760596, -1.40760596, -0.40760596, -0.693147181,
                                     -0.693147181, -2000.69314718});
    const Tensor columns = softmax(Tensor::from_vector({2, 2}, {0, 1, 0, 1}), 0);
    check_values(columns, {0.5, 0.5, 0.5, 0.5});
    CHECK_THROWS_WITH_AS(softmax(z, -3), doctest::Contains("softmax: dimension -3"),
                         std::invalid_argument);
  }

  TEST_CASE("ops: concat, narrow and permute copy the right blocks and name bad shapes") {
    const Tensor a = Tensor::from_vector({2, 1}, {1, 2});
    const Tensor b = Tensor::from_vector({2, 2}, {3, 4, 5, 6});
    const Tensor joined = concat({a, b}, 1);
    CHECK(joined.shape() == Shape{2, 3});
    check_values(joined, {1, 3, 4, 2, 5, 6});
    check_values(concat({b, b}, 0), {3, 4, 5, 6, 3, 4, 5, 6});
    CHECK_THROWS_WITH_AS(concat({a, b}, 0), doctest::Contains("tensor 1 has shape [2, 2]"),
                         std::invalid_argument);
    check_values(narrow(joined, 1, 1, 2), {3, 4, 5, 6});
    check_values(narrow(joined, 0, 1, 1), {2, 5, 6});
    CHECK_THROWS_WITH_AS(narrow(joined, 1, 2, 2), doctest::Contains("[2, 4) of dimension 1"),
                         std::invalid_argument);
    const Tensor x = Tensor::from_vector({2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    const Tensor p = permute(x, {2, 0, 1});
    CHECK(p.shape() == Shape{2, 2, 3});
    check_values(p, {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11});
    check_values(permute(p, {1, 2, 0}), x.to_vector());  // the inverse order gives x back
    CHECK_THROWS_WITH_AS(permute(x, {0, 0, 1}),
                         doctest::Contains("(0, 0, 1) is not an order of the dimensions of"),
                         std::invalid_argument);
  }

  TEST_CASE("ops: leaky_relu, elu and gelu values") {
    const Tensor x = Tensor::from_vector({3}, {-2, -1, 1});
    check_values(leaky_relu(x), {-0.02f, -0.01f, 1});
    check_values(leaky_relu(x, 0.2f), {-0.4f, -0.2f, 1});
    check_values(elu(x), {-0.864664717, -0.632120559, 1});
    check_values(gelu(x), {-0.0455002639, -0.158655254, 0.841344746});
  }

  TEST_CASE("ops: add_relu equals relu(add) bit for bit, values and gradients") {
    Generator gen(7);
    // {8, 16, 32, 32} is large enough for threads; {3, 5} against {5} takes the broadcast road.
    for (const auto& shapes : std::vector<std::pair<Shape, Shape>>{
             {{8, 16, 32, 32}, {8, 16, 32, 32}}, {{3, 5}, {3, 5}}, {{3, 5}, {5}}}) {
      const Shape &sa = shapes.first, &sb = shapes.second;  // (clang 14 cannot capture bindings)
      CAPTURE(to_string(sa));
      CAPTURE(to_string(sb));
      const auto random = [&](const Shape& shape) {
        Tensor t = Tensor::empty(shape);
        for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = 2.0f * gen.uniform() - 1.0f;
        return t;
      };
      const Tensor a = random(sa).set_requires_grad(true), b = random(sb).set_requires_grad(true);
      const Tensor weights = random(sa);  // negative too: the cut gradient is −0 there
      std::vector<float> got[2][3];
      for (const bool fused : {false, true}) {
        a.set_grad(Tensor());
        b.set_grad(Tensor());
        const Tensor y = fused ? add_relu(a, b) : relu(add(a, b));
        sum(mul(y, weights)).backward();
        got[fused][0] = y.to_vector();
        got[fused][1] = a.grad().to_vector();
        got[fused][2] = b.grad().to_vector();
      }
      for (int i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(std::memcmp(got[0][i].data(), got[1][i].data(), got[0][i].size() * 4) == 0);
      }
    }
  }

  TEST_CASE("ops: nll, smoothed cross-entropy, mse and binary cross-entropy with logits") {
    const Tensor z = Tensor::from_vector({2, 3}, {1, 2, 3, 0, 0, 0});
    // nll of log_softmax is cross-entropy.
    CHECK(nll_loss(log_softmax(z), kTargets).item() ==
          doctest::Approx(cross_entropy(z, kTargets).item()).epsilon(1e-6));
    CHECK(cross_entropy(z, kTargets).item() == doctest::Approx(0.753109127).epsilon(1e-6));
    // ε = 0.1: row 0: 3.40760596 − (0.9·3 + 0.1·6/3) = 0.50760596; row 1: log 3.
    CHECK(cross_entropy(z, kTargets, 0.1f).item() ==
          doctest::Approx((0.50760596 + 1.09861229) / 2).epsilon(1e-6));
    CHECK_THROWS_AS(cross_entropy(z, kTargets, 1.5f), std::invalid_argument);
    const int32_t bad[] = {3, 0};
    CHECK_THROWS_WITH_AS(nll_loss(z, bad), doctest::Contains("target 3 at row 0"),
                         std::invalid_argument);
    const Tensor p = Tensor::from_vector({2, 2}, {1, 2, 3, 4});
    CHECK(mse_loss(p, Tensor::zeros({2, 2})).item() == doctest::Approx(7.5));
    CHECK_THROWS_WITH_AS(mse_loss(p, Tensor::zeros({4})), doctest::Contains("differ in shape"),
                         std::invalid_argument);
    const Tensor logits = Tensor::from_vector({4}, {0, 100, -100, 2});
    const Tensor targets = Tensor::from_vector({4}, {1, 0, 0, 0.5f});
    // log 2, 100, e^−100 (≈0), log(1 + e²) − 1
    CHECK(binary_cross_entropy_with_logits(logits, targets).item() ==
          doctest::Approx((0.693147181 + 100 + 0 + 1.12692801) / 4).epsilon(1e-6));
  }
}
