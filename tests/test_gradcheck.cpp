// Every differentiable op against finite differences, on random shapes including batch 1 and
// broadcasting.
#include <doctest/doctest.h>

#include "gradcheck.hpp"

using namespace adamite;
using testing::away_from_zero;
using testing::check_gradients;
using testing::random_tensor;
using Inputs = std::vector<Tensor>;

TEST_SUITE("gradcheck") {
  TEST_CASE("gradcheck: matmul and linear on random shapes") {
    Generator gen(1);
    for (int trial = 0; trial < 4; ++trial) {
      const int64_t n = trial == 0 ? 1 : 1 + int64_t(gen.below(5));
      const int64_t k = 1 + int64_t(gen.below(6)), m = 1 + int64_t(gen.below(6));
      check_gradients("matmul", {random_tensor({n, k}, gen), random_tensor({k, m}, gen)},
                      [](const Inputs& in) { return matmul(in[0], in[1]); });
      check_gradients(
          "linear",
          {random_tensor({n, k}, gen), random_tensor({m, k}, gen), random_tensor({m}, gen)},
          [](const Inputs& in) { return linear(in[0], in[1], in[2]); });
      check_gradients("linear without bias",
                      {random_tensor({n, k}, gen), random_tensor({m, k}, gen)},
                      [](const Inputs& in) { return linear(in[0], in[1]); });
    }
  }

  TEST_CASE("gradcheck: large matmul spans several gemm tiles") {
    Generator gen(2);
    // 130 rows > 2 tiles of 64 rows; the column-tiled path needs n > 256 with few rows.
    check_gradients("matmul row tiles", {random_tensor({130, 3}, gen), random_tensor({3, 2}, gen)},
                    [](const Inputs& in) { return matmul(in[0], in[1]); });
    check_gradients("matmul column tiles",
                    {random_tensor({2, 3}, gen), random_tensor({3, 300}, gen)},
                    [](const Inputs& in) { return matmul(in[0], in[1]); });
  }

  TEST_CASE("gradcheck: broadcasting binary ops") {
    Generator gen(3);
    const std::vector<std::pair<Shape, Shape>> shapes = {
        {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{1, 4}, {3, 1}}, {{2, 1, 3}, {4, 1}},
        {{5}, {}},        {{}, {2, 3}},  {{1}, {1}},       {{1, 3}, {1, 3}}};
    for (const auto& [sa, sb] : shapes) {
      const std::string shapes_text = to_string(sa) + " " + to_string(sb);
      check_gradients("add " + shapes_text, {random_tensor(sa, gen), random_tensor(sb, gen)},
                      [](const Inputs& in) { return add(in[0], in[1]); });
      check_gradients("sub " + shapes_text, {random_tensor(sa, gen), random_tensor(sb, gen)},
                      [](const Inputs& in) { return sub(in[0], in[1]); });
      check_gradients("mul " + shapes_text, {random_tensor(sa, gen), random_tensor(sb, gen)},
                      [](const Inputs& in) { return mul(in[0], in[1]); });
      check_gradients("div " + shapes_text,
                      {random_tensor(sa, gen), away_from_zero(sb, gen, 0.5f, 1.5f)},
                      [](const Inputs& in) { return div(in[0], in[1]); });
    }
  }

  TEST_CASE("gradcheck: pointwise ops") {
    Generator gen(4);
    for (const Shape& shape : {Shape{1, 5}, Shape{3, 4}, Shape{2, 3, 2}}) {
      check_gradients("add_scalar", {random_tensor(shape, gen)},
                      [](const Inputs& in) { return in[0] + 2.5f; });
      check_gradients("mul_scalar", {random_tensor(shape, gen)},
                      [](const Inputs& in) { return in[0] * -1.5f; });
      check_gradients("neg", {random_tensor(shape, gen)}, [](const Inputs& in) { return -in[0]; });
      check_gradients("exp", {random_tensor(shape, gen)},
                      [](const Inputs& in) { return exp(in[0]); });
      check_gradients("log", {random_tensor(shape, gen, 0.2f, 2.0f)},
                      [](const Inputs& in) { return log(in[0]); });
      check_gradients("square", {random_tensor(shape, gen)},
                      [](const Inputs& in) { return square(in[0]); });
      check_gradients("relu", {away_from_zero(shape, gen)},
                      [](const Inputs& in) { return relu(in[0]); });
      check_gradients("sigmoid", {random_tensor(shape, gen, -3, 3)},
                      [](const Inputs& in) { return sigmoid(in[0]); });
      check_gradients("tanh", {random_tensor(shape, gen, -2, 2)},
                      [](const Inputs& in) { return adamite::tanh(in[0]); });
      check_gradients("softplus", {random_tensor(shape, gen, -4, 4)},
                      [](const Inputs& in) { return softplus(in[0]); });
      check_gradients("leaky_relu", {away_from_zero(shape, gen)},
                      [](const Inputs& in) { return leaky_relu(in[0], 0.1f); });
      check_gradients("elu", {away_from_zero(shape, gen, 0.1f, 2.0f)},
                      [](const Inputs& in) { return elu(in[0], 1.5f); });
      check_gradients("gelu", {random_tensor(shape, gen, -3, 3)},
                      [](const Inputs& in) { return gelu(in[0]); });
      // a + b away from the kink: b is small beside a.
      check_gradients("add_relu",
                      {away_from_zero(shape, gen), random_tensor(shape, gen, -0.05f, 0.05f)},
                      [](const Inputs& in) { return add_relu(in[0], in[1]); });
    }
  }

  TEST_CASE("gradcheck: reductions, softmax and log_softmax along each dimension") {
    Generator gen(11);
    const Shape shape{2, 3, 4};
    for (int64_t dim : {0, 1, 2, -1}) {
      CAPTURE(dim);
      for (bool keepdim : {false, true}) {
        check_gradients("sum(dim)", {random_tensor(shape, gen)},
                        [=](const Inputs& in) { return sum(in[0], dim, keepdim); });
        check_gradients("mean(dim)", {random_tensor(shape, gen)},
                        [=](const Inputs& in) { return mean(in[0], dim, keepdim); });
        // Distinct values a step apart: the maximum does not move under the finite difference.
        Tensor spread = Tensor::empty(shape);
        for (int64_t i = 0; i < spread.numel(); ++i)
          spread.data()[i] = static_cast<float>((i * 7) % 24) * 0.1f;
        check_gradients("max(dim)", {spread},
                        [=](const Inputs& in) { return max(in[0], dim, keepdim); });
      }
      check_gradients("softmax", {random_tensor(shape, gen, -3, 3)},
                      [=](const Inputs& in) { return softmax(in[0], dim); });
      check_gradients("log_softmax", {random_tensor(shape, gen, -3, 3)},
                      [=](const Inputs& in) { return log_softmax(in[0], dim); });
    }
  }

  TEST_CASE("gradcheck: concat, narrow, permute, adaptive average pooling") {
    Generator gen(12);
    check_gradients("concat dim 1",
                    {random_tensor({2, 1, 3}, gen), random_tensor({2, 2, 3}, gen),
                     random_tensor({2, 3, 3}, gen)},
                    [](const Inputs& in) {
                      return concat({in[0], in[1], in[2]}, 1);
                    });
    check_gradients("concat dim 0", {random_tensor({1, 4}, gen), random_tensor({3, 4}, gen)},
                    [](const Inputs& in) {
                      return concat({in[0], in[1]}, 0);
                    });
    check_gradients("narrow", {random_tensor({3, 5, 2}, gen)},
                    [](const Inputs& in) { return narrow(in[0], 1, 1, 3); });
    check_gradients("permute", {random_tensor({2, 3, 4, 5}, gen)}, [](const Inputs& in) {
      return permute(in[0], {0, 2, 3, 1});
    });
    // 5×7 into 3×2: cells overlap (⌈·⌉ ends), so some inputs feed two outputs.
    check_gradients("adaptive_avg_pool2d 3x2", {random_tensor({2, 3, 5, 7}, gen)},
                    [](const Inputs& in) {
                      return adaptive_avg_pool2d(in[0], {3, 2});
                    });
    check_gradients("adaptive_avg_pool2d 1 (global)", {random_tensor({2, 2, 4, 3}, gen)},
                    [](const Inputs& in) {
                      return adaptive_avg_pool2d(in[0], {1, 1});
                    });
  }

  TEST_CASE("gradcheck: nll, smoothed cross-entropy, mse, binary cross-entropy with logits") {
    Generator gen(13);
    const std::vector<int32_t> targets = {2, 0, 1};
    check_gradients("nll_loss", {random_tensor({3, 4}, gen)},
                    [&](const Inputs& in) { return nll_loss(in[0], targets); });
    check_gradients("cross_entropy smoothed", {random_tensor({3, 4}, gen, -3, 3)},
                    [&](const Inputs& in) { return cross_entropy(in[0], targets, 0.2f); });
    check_gradients("mse_loss", {random_tensor({3, 4}, gen), random_tensor({3, 4}, gen)},
                    [](const Inputs& in) { return mse_loss(in[0], in[1]); });
    check_gradients(
        "binary_cross_entropy_with_logits",
        {random_tensor({3, 4}, gen, -4, 4), random_tensor({3, 4}, gen, 0, 1)},
        [](const Inputs& in) { return binary_cross_entropy_with_logits(in[0], in[1]); });
  }

  TEST_CASE("gradcheck: reductions") {
    Generator gen(5);
    for (const Shape& shape : {Shape{1}, Shape{4, 3}, Shape{2, 2, 5}}) {
      check_gradients("sum", {random_tensor(shape, gen)},
                      [](const Inputs& in) { return sum(in[0]); });
      check_gradients("mean", {random_tensor(shape, gen)},
                      [](const Inputs& in) { return mean(in[0]); });
      check_gradients("sum_of_squares", {random_tensor(shape, gen)},
                      [](const Inputs& in) { return sum_of_squares(in[0]); });
    }
  }

  TEST_CASE("gradcheck: shape ops") {
    Generator gen(6);
    check_gradients("reshape", {random_tensor({2, 3, 4}, gen)}, [](const Inputs& in) {
      return reshape(in[0], {4, -1});
    });
    check_gradients("flatten", {random_tensor({3, 1, 2, 2}, gen)},
                    [](const Inputs& in) { return flatten(in[0]); });
    check_gradients("transpose", {random_tensor({3, 5}, gen)},
                    [](const Inputs& in) { return transpose(in[0]); });
  }

  TEST_CASE("gradcheck: dropout with a fixed mask") {
    Generator gen(7);
    // Re-seeding inside f makes every evaluation draw the same mask.
    check_gradients("dropout", {random_tensor({4, 6}, gen)}, [](const Inputs& in) {
      Generator mask_gen(99);
      return dropout(in[0], 0.5f, true, mask_gen);
    });
  }

  TEST_CASE("gradcheck: cross_entropy, batch 1 and larger, with large logits") {
    Generator gen(8);
    for (int64_t n : {1, 5}) {
      std::vector<int32_t> targets;
      for (int64_t i = 0; i < n; ++i) targets.push_back(int32_t(gen.below(7)));
      check_gradients("cross_entropy", {random_tensor({n, 7}, gen, -3, 3)},
                      [targets](const Inputs& in) { return cross_entropy(in[0], targets); });
      // Logits near 100 would overflow exp() without the max subtraction.
      check_gradients("cross_entropy large", {random_tensor({n, 7}, gen, 97, 103)},
                      [targets](const Inputs& in) { return cross_entropy(in[0], targets); });
    }
  }

  TEST_CASE("gradcheck: a graph that reuses a tensor accumulates both paths") {
    Generator gen(9);
    check_gradients("x*x + sigmoid(x)*x", {random_tensor({3, 3}, gen)}, [](const Inputs& in) {
      return add(mul(in[0], in[0]), mul(sigmoid(in[0]), in[0]));
    });
    check_gradients(
        "mlp block",
        {random_tensor({2, 4}, gen), random_tensor({5, 4}, gen), random_tensor({5}, gen),
         random_tensor({3, 5}, gen)},
        [](const Inputs& in) { return linear(tanh(linear(in[0], in[1], in[2])), in[3]); });
  }

}  // TEST_SUITE
