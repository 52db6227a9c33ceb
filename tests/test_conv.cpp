// Convolution and pooling: values against direct loops written here, gradients against finite
// differences, errors, and independence from the thread count.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "adamite/nn/conv2d.hpp"
#include "adamite/nn/pool.hpp"
#include "adamite/ops/activation.hpp"
#include "adamite/ops/conv2d.hpp"
#include "adamite/ops/elementwise.hpp"
#include "adamite/ops/pool.hpp"
#include "adamite/ops/shape.hpp"
#include "gradcheck.hpp"
#include "models/cnn.hpp"
#include "src/ops/conv2d_blocks.hpp"

using namespace adamite;
using testing::away_from_zero;
using testing::check_gradients;
using testing::random_tensor;
using Inputs = std::vector<Tensor>;

namespace {
// The definition, one output at a time: y[n,o,i,j] = b[o] + Σ x[n,c,i·s−p+a, j·s−p+b]·w[o,c,a,b].
std::vector<double> direct_conv(const Tensor& x, const Tensor& w, const Tensor& b, int64_t s,
                                int64_t p) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), K = w.size(2), L = w.size(3);
  const int64_t OH = (H + 2 * p - K) / s + 1, OW = (W + 2 * p - L) / s + 1;
  std::vector<double> y;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          double acc = b.defined() ? b.data()[o] : 0.0;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t a = 0; a < K; ++a)
              for (int64_t e = 0; e < L; ++e) {
                const int64_t yy = i * s - p + a, xx = j * s - p + e;
                if (yy >= 0 && yy < H && xx >= 0 && xx < W)
                  acc += double(x.data()[((n * C + c) * H + yy) * W + xx]) *
                         w.data()[((o * C + c) * K + a) * L + e];
              }
          y.push_back(acc);
        }
  return y;
}
}  // namespace

namespace {
// 64 channels, 5x5, 16x16, stride 1 (the input gradient computed as a convolution of the output
// gradient), against double-precision loops, including the weight and input gradients. Each value
// sums hundreds of products of order 1, so the tolerance is relative to that scale (10).
void check_paper_sized_layer() {
  Generator gen(15);
  const int64_t N = 2, C = 64, H = 16, O = 6, K = 5, P = 2;
  const Tensor x = random_tensor({N, C, H, H}, gen), w = random_tensor({O, C, K, K}, gen),
               b = random_tensor({O}, gen), r = random_tensor({N, O, H, H}, gen);
  x.set_requires_grad(true);
  w.set_requires_grad(true);
  const Tensor y = conv2d(x, w, b, {1, 1}, {P, P});
  const std::vector<double> expected = direct_conv(x, w, b, 1, P);
  for (size_t i = 0; i < expected.size(); ++i)
    REQUIRE(y.data()[i] == doctest::Approx(expected[i]).epsilon(1e-5).scale(10.0));
  sum(y * r).backward();  // so dL/dy = r
  std::vector<double> dx(size_t(x.numel()), 0.0), dw(size_t(w.numel()), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < H; ++j) {
          const double g = r.data()[((n * O + o) * H + i) * H + j];
          for (int64_t c = 0; c < C; ++c)
            for (int64_t a = 0; a < K; ++a)
              for (int64_t e = 0; e < K; ++e) {
                const int64_t yy = i - P + a, xx = j - P + e;
                if (yy < 0 || yy >= H || xx < 0 || xx >= H) continue;
                const size_t xi = size_t(((n * C + c) * H + yy) * H + xx);
                const size_t wi = size_t(((o * C + c) * K + a) * K + e);
                dx[xi] += g * w.data()[wi];
                dw[wi] += g * x.data()[xi];
              }
        }
  for (size_t i = 0; i < dx.size(); ++i)
    REQUIRE(x.grad().data()[i] == doctest::Approx(dx[i]).epsilon(1e-5).scale(10.0));
  for (size_t i = 0; i < dw.size(); ++i)
    REQUIRE(w.grad().data()[i] == doctest::Approx(dw[i]).epsilon(1e-5).scale(10.0));
}
}  // namespace

TEST_SUITE("conv") {
  TEST_CASE("conv2d: matches the direct definition for several geometries") {
    Generator gen(11);
    struct Case {
      Shape x, w;
      int64_t stride, pad;
    };
    for (const Case& c :
         {Case{{2, 3, 7, 6}, {4, 3, 3, 3}, 1, 1}, Case{{1, 1, 5, 5}, {2, 1, 5, 5}, 1, 2},
          Case{{3, 2, 8, 9}, {3, 2, 3, 2}, 2, 0}, Case{{9, 2, 4, 4}, {2, 2, 1, 1}, 1, 0},
          Case{{2, 3, 9, 10}, {2, 3, 5, 5}, 2, 2}, Case{{1, 2, 5, 7}, {3, 2, 3, 3}, 3, 1}}) {
      const Tensor x = random_tensor(c.x, gen), w = random_tensor(c.w, gen),
                   b = random_tensor({c.w[0]}, gen);
      const Tensor y = conv2d(x, w, b, {c.stride, c.stride}, {c.pad, c.pad});
      const std::vector<double> expected = direct_conv(x, w, b, c.stride, c.pad);
      REQUIRE(size_t(y.numel()) == expected.size());
      for (size_t i = 0; i < expected.size(); ++i)
        CHECK(y.data()[i] == doctest::Approx(expected[i]).epsilon(1e-5));
    }
  }

  // The paper CNN on inputs of 4x4 or less reaches its third 5x5 layer with 1x1 images: every
  // shifted row of a "same" im2col then starts before or ends after the image (it wrote out of
  // bounds until this test).
  TEST_CASE("conv2d: kernels wider than the image, values and gradients") {
    Generator gen(17);
    for (const int64_t size : {1, 2, 3}) {
      CAPTURE(size);
      const Tensor x = random_tensor({3, 4, size, size}, gen), w = random_tensor({5, 4, 5, 5}, gen),
                   b = random_tensor({5}, gen);
      const Tensor y = conv2d(x, w, b, {1, 1}, {2, 2});
      const std::vector<double> expected = direct_conv(x, w, b, 1, 2);
      REQUIRE(size_t(y.numel()) == expected.size());
      for (size_t i = 0; i < expected.size(); ++i)
        CHECK(y.data()[i] == doctest::Approx(expected[i]).epsilon(1e-5));
      check_gradients("conv2d 5x5 pad 2 on a small image", {x, w, b}, [](const Inputs& in) {
        return conv2d(in[0], in[1], in[2], {1, 1}, {2, 2});
      });
    }
    // The whole network, forward and backward, on the smallest inputs.
    for (const int64_t size : {1, 3, 4}) {
      CAPTURE(size);
      models::CnnOptions options;
      options.input_shape = {3, size, size};
      auto cnn = models::cnn(options);
      const Tensor x = random_tensor({4, 3, size, size}, gen);
      const std::vector<int32_t> labels = {0, 1, 2, 3};
      const Tensor loss = cross_entropy(cnn->forward(x), labels);
      loss.backward();
      CHECK(std::isfinite(loss.item()));
    }
  }

  TEST_CASE("conv2d: gradients, with and without bias, stride and padding, batch 1 and > 8") {
    Generator gen(12);
    check_gradients("conv2d 3x3 pad 1",
                    {random_tensor({2, 2, 5, 4}, gen), random_tensor({3, 2, 3, 3}, gen),
                     random_tensor({3}, gen)},
                    [](const Inputs& in) {
                      return conv2d(in[0], in[1], in[2], {1, 1}, {1, 1});
                    });
    check_gradients("conv2d stride 2 no bias batch 1",
                    {random_tensor({1, 3, 6, 7}, gen), random_tensor({2, 3, 3, 2}, gen)},
                    [](const Inputs& in) {
                      return conv2d(in[0], in[1], Tensor(), {2, 2}, {0, 1});
                    });
    // 10 samples span two weight-gradient chunks.
    check_gradients("conv2d batch 10",
                    {random_tensor({10, 1, 3, 3}, gen), random_tensor({2, 1, 2, 2}, gen),
                     random_tensor({2}, gen)},
                    [](const Inputs& in) { return conv2d(in[0], in[1], in[2]); });
  }

  TEST_CASE("conv2d: a paper-sized layer, whole and in row blocks, matches the definition") {
    check_paper_sized_layer();  // one lowering block per image
    // One output row per block, for the convolution and its input gradient: the path large
    // images take (a small block budget).
    const int64_t default_block = detail::conv2d_block_floats();
    detail::conv2d_block_floats() = 2000;
    check_paper_sized_layer();
    detail::conv2d_block_floats() = default_block;
  }

  TEST_CASE("conv2d: gradients when the padding exceeds the kernel (input gradient by scatter)") {
    Generator gen(16);
    check_gradients("conv2d 1x2 kernel, padding 2x1",
                    {random_tensor({2, 2, 3, 4}, gen), random_tensor({3, 2, 1, 2}, gen),
                     random_tensor({3}, gen)},
                    [](const Inputs& in) {
                      return conv2d(in[0], in[1], in[2], {1, 1}, {2, 1});
                    });
    check_gradients("conv2d 3x2 kernel, padding 2x1 (as large as allowed)",
                    {random_tensor({1, 2, 4, 3}, gen), random_tensor({2, 2, 3, 2}, gen)},
                    [](const Inputs& in) {
                      return conv2d(in[0], in[1], Tensor(), {1, 1}, {2, 1});
                    });
  }

  TEST_CASE("pool: max and average values by hand") {
    // 1x1x4x4 ramp 0..15; 2x2 windows, stride 2.
    std::vector<float> ramp(16);
    for (int i = 0; i < 16; ++i) ramp[size_t(i)] = float(i);
    const Tensor x = Tensor::from_vector({1, 1, 4, 4}, ramp);
    CHECK(max_pool2d(x, {2, 2}, {2, 2}).to_vector() == std::vector<float>{5, 7, 13, 15});
    CHECK(avg_pool2d(x, {2, 2}, {2, 2}).to_vector() ==
          std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f});
    // 3x3 stride 2 padding 1 (the paper CNN's pooling): 4x4 -> 2x2; padding is never the max.
    const Tensor negative = Tensor::full({1, 1, 4, 4}, -3.0f);
    CHECK(max_pool2d(negative, {3, 3}, {2, 2}, {1, 1}).to_vector() == std::vector<float>(4, -3.0f));
    // Average counts padding as zeros over the full window (count_include_pad): corner = 4 of 9
    // pixels.
    CHECK(avg_pool2d(Tensor::full({1, 1, 4, 4}, 9.0f), {3, 3}, {2, 2}, {1, 1}).data()[0] ==
          doctest::Approx(4.0f));
  }

  TEST_CASE("pool: gradients") {
    Generator gen(13);
    // Distinct values so the arg-max is unique and finite differences do not cross a tie.
    Tensor x = Tensor::empty({2, 2, 5, 5});
    for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = float((i * 37) % 101) / 10.0f;
    check_gradients("max_pool2d 3x3/2 pad 1", {x}, [](const Inputs& in) {
      return max_pool2d(in[0], {3, 3}, {2, 2}, {1, 1});
    });
    check_gradients("max_pool2d 2x2/2", {x.clone()}, [](const Inputs& in) {
      return max_pool2d(in[0], {2, 2}, {2, 2});
    });
    check_gradients("avg_pool2d 3x3/2 pad 1", {random_tensor({1, 3, 5, 6}, gen)},
                    [](const Inputs& in) {
                      return avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1});
                    });
  }

  TEST_CASE("pool: max picks the first of equal maxima in scan order, on every geometry") {
    // Values from {0, 1, 2}: ties everywhere. The gradient of the sum shows which input each
    // output took; both are checked against a plain scan of each window clipped to the image.
    Generator gen(15);
    struct Geometry {
      int64_t h, w, k, stride, pad;
    };
    for (const Geometry& g :
         {Geometry{13, 17, 3, 2, 1}, Geometry{8, 8, 2, 2, 0}, Geometry{9, 7, 3, 1, 1},
          Geometry{11, 12, 5, 3, 2}, Geometry{4, 3, 3, 2, 1}, Geometry{2, 2, 2, 1, 1},
          // 3x3 stride 2 padding 1 on even widths goes by rows of 8 or 4 outputs
          Geometry{32, 32, 3, 2, 1}, Geometry{7, 16, 3, 2, 1}, Geometry{8, 8, 3, 2, 1},
          Geometry{5, 48, 3, 2, 1}}) {
      CAPTURE(g.h);
      CAPTURE(g.w);
      CAPTURE(g.k);
      Tensor x = Tensor::empty({2, 3, g.h, g.w});
      for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = float(gen.below(3));
      x.set_requires_grad(true);
      const Tensor y = max_pool2d(x, {g.k, g.k}, {g.stride, g.stride}, {g.pad, g.pad});
      sum(y).backward();
      const int64_t oh = y.size(2), ow = y.size(3);
      std::vector<float> expected(size_t(y.numel())), taken(size_t(x.numel()), 0.0f);
      for (int64_t p = 0; p < 6; ++p)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            int64_t best = -1;
            for (int64_t iy = oy * g.stride - g.pad; iy < oy * g.stride - g.pad + g.k; ++iy)
              for (int64_t ix = ox * g.stride - g.pad; ix < ox * g.stride - g.pad + g.k; ++ix) {
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                const int64_t at = (p * g.h + iy) * g.w + ix;
                if (best < 0 || x.data()[at] > x.data()[best]) best = at;
              }
            expected[size_t((p * oh + oy) * ow + ox)] = x.data()[best];
            taken[size_t(best)] += 1.0f;
          }
      CHECK(y.to_vector() == expected);
      CHECK(x.grad().to_vector() == taken);
    }
  }

  TEST_CASE("pool: max pooling's gradient is the scatter grad_x[argmax] += g, bit for bit") {
    // The paper CNN's pooling gathers its gradient by rows; it must add each input's shares in
    // the scatter's order (outputs row by row), onto a fresh gradient or onto earlier sums.
    Generator gen(17);
    struct Geometry {
      int64_t h, w;
    };
    for (const Geometry& g : {Geometry{32, 32}, Geometry{7, 16}, Geometry{8, 8}, Geometry{5, 48},
                              Geometry{6, 10}, Geometry{9, 9}}) {
      CAPTURE(g.h);
      CAPTURE(g.w);
      Tensor x = Tensor::empty({2, 3, g.h, g.w});
      for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = float(gen.below(3));  // ties
      const Tensor earlier = random_tensor(x.shape(), gen);
      for (const bool accumulate : {false, true}) {
        CAPTURE(accumulate);
        Tensor leaf = x.clone();
        leaf.set_requires_grad(true);
        if (accumulate) sum(mul(leaf, earlier)).backward();
        std::vector<float> expected =
            accumulate ? leaf.grad().to_vector() : std::vector<float>(size_t(x.numel()), 0.0f);
        const Tensor y = max_pool2d(leaf, {3, 3}, {2, 2}, {1, 1});
        const Tensor weights = random_tensor(y.shape(), gen);
        sum(mul(y, weights)).backward();
        const int64_t oh = y.size(2), ow = y.size(3);
        for (int64_t p = 0; p < 6; ++p)
          for (int64_t oy = 0; oy < oh; ++oy)
            for (int64_t ox = 0; ox < ow; ++ox) {
              int64_t best = -1;
              for (int64_t iy = std::max<int64_t>(0, 2 * oy - 1); iy < std::min(g.h, 2 * oy + 2);
                   ++iy)
                for (int64_t ix = std::max<int64_t>(0, 2 * ox - 1); ix < std::min(g.w, 2 * ox + 2);
                     ++ix) {
                  const int64_t at = (p * g.h + iy) * g.w + ix;
                  if (best < 0 || x.data()[at] > x.data()[best]) best = at;
                }
              expected[size_t(best)] += weights.data()[(p * oh + oy) * ow + ox];
            }
        CHECK(leaf.grad().to_vector() == expected);
      }
    }
  }

  TEST_CASE("pool: max pooling then ReLU equals ReLU then max pooling, bit for bit") {
    // The paper CNN pools before its ReLU (a quarter of the elements for ReLU): its values and
    // gradients must be relu-then-pool's exactly, ties and windows of non-positive values
    // included. Where x's gradient already holds sums, an input that is the maximum of two
    // windows gets its two shares added one at a time instead of summed first: equal to rounding.
    Generator gen(21);
    Tensor values = Tensor::empty({2, 3, 16, 12});
    for (int64_t i = 0; i < values.numel(); ++i)
      values.data()[i] = float(int64_t(gen.below(7)) - 4) * 0.5f;  // -2 ... 1: ties and zeros
    const Tensor weights = random_tensor({2, 3, 8, 6}, gen),
                 earlier = random_tensor(values.shape(), gen);
    for (const bool accumulate : {false, true}) {
      CAPTURE(accumulate);
      std::vector<std::vector<float>> outputs, gradients;
      for (const bool pool_first : {false, true}) {
        Tensor x = values.clone();
        x.set_requires_grad(true);
        if (accumulate) sum(mul(x, earlier)).backward();
        const auto pool = [](const Tensor& t) { return max_pool2d(t, {3, 3}, {2, 2}, {1, 1}); };
        const Tensor y = pool_first ? relu(pool(x)) : pool(relu(x));
        sum(mul(y, weights)).backward();
        outputs.push_back(y.to_vector());
        gradients.push_back(x.grad().to_vector());
      }
      CHECK(outputs[0] == outputs[1]);
      if (!accumulate) CHECK(gradients[0] == gradients[1]);
      for (size_t i = 0; i < gradients[0].size(); ++i)
        REQUIRE(gradients[1][i] == doctest::Approx(gradients[0][i]).epsilon(1e-6));
    }
  }

  TEST_CASE("conv/pool: errors name the op and the shapes") {
    const Tensor x = Tensor::zeros({2, 3, 8, 8});
    CHECK_THROWS_WITH_AS(conv2d(x, Tensor::zeros({4, 2, 3, 3})),
                         doctest::Contains("conv2d: input has 3 channels"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(conv2d(Tensor::zeros({3, 8, 8}), Tensor::zeros({4, 3, 3, 3})),
                         doctest::Contains("[3, 8, 8]"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(conv2d(x, Tensor::zeros({4, 3, 9, 9})), doctest::Contains("kernel larger"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(max_pool2d(x, {2, 2}, {0, 2}), doctest::Contains("max_pool2d: strides"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(avg_pool2d(x, {3, 3}, {1, 1}, {-1, 0}),
                         doctest::Contains("avg_pool2d: padding"), std::invalid_argument);
  }

  TEST_CASE("conv2d: forward and gradients are the same with 1 and 2 threads") {
    Generator gen(14);
    const Tensor x = random_tensor({20, 3, 12, 12}, gen), w = random_tensor({8, 3, 5, 5}, gen),
                 b = random_tensor({8}, gen);
    auto run = [&](int threads) {
      omp_set_num_threads(threads);
      const Tensor w_copy = w.clone(), x_copy = x.clone();
      w_copy.set_requires_grad(true);
      x_copy.set_requires_grad(true);
      const Tensor y =
          max_pool2d(conv2d(x_copy, w_copy, b, {1, 1}, {2, 2}), {3, 3}, {2, 2}, {1, 1});
      sum(square(y)).backward();
      return std::make_tuple(y.to_vector(), w_copy.grad().to_vector(), x_copy.grad().to_vector());
    };
    const auto one = run(1), two = run(2);
    omp_set_num_threads(omp_get_num_procs());
    CHECK(std::get<0>(one) == std::get<0>(two));
    CHECK(std::get<1>(one) == std::get<1>(two));
    CHECK(std::get<2>(one) == std::get<2>(two));
  }

  TEST_CASE("conv2d: a batch's weight gradient equals its two halves' added up, bit for bit") {
    // Micro-batches promise the same result as the whole batch; the weight gradient is summed in
    // chunks of 8 samples, transposed for few output channels (8 here) and not for many (48).
    Generator gen(15);
    for (const int64_t out_channels : {8, 48}) {
      const Tensor x = random_tensor({48, 3, 10, 10}, gen);  // 3 chunks a half
      const Tensor w = random_tensor({out_channels, 3, 3, 3}, gen);
      auto weight_gradient = [&](std::vector<std::array<int64_t, 2>> parts) {
        const Tensor w_copy = w.clone();
        w_copy.set_requires_grad(true);
        for (auto [first, count] : parts)
          sum(square(conv2d(narrow(x, 0, first, count), w_copy, Tensor(), {1, 1}, {1, 1})))
              .backward();
        return w_copy.grad().to_vector();
      };
      CAPTURE(out_channels);
      CHECK(weight_gradient({{0, 48}}) == weight_gradient({{0, 24}, {24, 24}}));
    }
  }

  TEST_CASE("nn: Conv2d and pooling layers, PyTorch's init bound and parameter names") {
    nn::Conv2d conv(3, 4, {5, 5}, {1, 1}, {2, 2});
    const auto named = conv.named_parameters();
    REQUIRE(named.size() == 2);
    CHECK(named[0].first == "weight");
    CHECK(named[0].second.shape() == Shape{4, 3, 5, 5});
    CHECK(named[1].first == "bias");
    // PyTorch's default: weight and bias uniform in ±1/√fan_in; the largest of 300 (and of 4)
    // draws comes near it (the bias: above a tenth of it), so a narrower range or zeros fail.
    const float bound = 1.0f / std::sqrt(75.0f);
    for (int p = 0; p < 2; ++p) {
      CAPTURE(p);
      float largest = 0.0f;
      for (float v : named[size_t(p)].second.to_vector()) largest = std::max(largest, std::fabs(v));
      CHECK(largest <= bound);
      CHECK(largest > (p == 0 ? 0.9f : 0.1f) * bound);
    }
    const Tensor y =
        nn::MaxPool2d({3, 3}, {2, 2}, {1, 1}).forward(conv.forward(Tensor::zeros({2, 3, 32, 32})));
    CHECK(y.shape() == Shape{2, 4, 16, 16});
    CHECK(nn::AvgPool2d({2, 2}, {2, 2}).forward(y).shape() == Shape{2, 4, 8, 8});
  }

}  // TEST_SUITE

TEST_CASE("models: the paper CNN's shapes and names, on CIFAR-10 and Fashion-MNIST-sized inputs" *
          doctest::test_suite("conv")) {
  models::CnnOptions cifar;
  auto net = models::cnn(cifar);
  std::vector<std::string> names;
  for (const auto& [name, p] : net->named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"1.weight", "1.bias", "4.weight", "4.bias", "7.weight",
                                          "7.bias", "11.weight", "11.bias", "14.weight",
                                          "14.bias"});
  CHECK(net->named_parameters()[6].second.shape() == Shape{1000, 2048});
  net->eval();
  CHECK(net->forward(Tensor::zeros({2, 3, 32, 32})).shape() == Shape{2, 10});
  models::CnnOptions fashion;
  fashion.input_shape = {1, 28, 28};  // 28 → 14 → 7 → 4 after the three pools
  auto small = models::cnn(fashion);
  CHECK(small->forward(Tensor::zeros({3, 1, 28, 28})).shape() == Shape{3, 10});
}
