// conv2d's same-size kernels: 3x3 direct (AVX-512 builds) and Winograd's, 5x5 Winograd's (AVX-512
// or AVX2 builds; elsewhere the cases check that the path is not taken): values and gradients
// against the im2col path, finite differences, accumulation into an existing gradient, and
// independence from the thread count.
#include <doctest/doctest.h>
#include <omp.h>

#include "adamite/ops/conv2d.hpp"
#include "adamite/ops/elementwise.hpp"
#include "adamite/ops/reduce.hpp"
#include "gradcheck.hpp"
#include "src/ops/same_size_conv.hpp"
#include "src/ops/simd.hpp"
#include "src/ops/winograd.hpp"

using namespace adamite;
using testing::check_gradients;
using testing::random_tensor;
using Inputs = std::vector<Tensor>;

namespace {

struct Result {
  std::vector<float> y, dx, dw, db;
};

enum class Path { im2col, direct, winograd };

// conv2d k x k (w's), stride 1, padding k/2, and its gradients for loss Σ y·r, by the chosen path
// (Winograd where it applies: elsewhere `winograd` is the direct kernel, or im2col for 5x5).
Result run(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& r, Path path) {
  const bool previous = detail::same_size_conv_enabled(),
             previous_winograd = detail::winograd_enabled();
  detail::same_size_conv_enabled() = path != Path::im2col;
  detail::winograd_enabled() = path == Path::winograd;
  const Tensor xc = x.clone(), wc = w.clone(), bc = b.clone();
  for (const Tensor* t : {&xc, &wc, &bc}) t->set_requires_grad(true);
  const int64_t pad = w.shape()[2] / 2;
  const Tensor y = conv2d(xc, wc, bc, {1, 1}, {pad, pad});
  sum(y * r).backward();
  detail::same_size_conv_enabled() = previous;
  detail::winograd_enabled() = previous_winograd;
  return {y.to_vector(), xc.grad().to_vector(), wc.grad().to_vector(), bc.grad().to_vector()};
}

void check_close(const std::vector<float>& got, const std::vector<float>& expected,
                 const char* what) {
  CAPTURE(what);
  REQUIRE(got.size() == expected.size());
  // Sums of up to 25·c products of values in [-1, 1], in another order: relative to that scale.
  for (size_t i = 0; i < got.size(); ++i)
    REQUIRE(got[i] == doctest::Approx(expected[i]).epsilon(1e-5).scale(10.0));
}

// For each [x shape, output channels]: conv2d k x k by `paths` against im2col, the values and
// every gradient.
void check_against_im2col(int64_t k, const std::vector<std::pair<Shape, int64_t>>& shapes,
                          const std::vector<Path>& paths, Generator& gen) {
  for (const auto& [x_shape, out] : shapes) {
    CAPTURE(to_string(x_shape));
    CAPTURE(out);
    const Tensor x = random_tensor(x_shape, gen), w = random_tensor({out, x_shape[1], k, k}, gen),
                 b = random_tensor({out}, gen),
                 r = random_tensor({x_shape[0], out, x_shape[2], x_shape[3]}, gen);
    const Result lowered = run(x, w, b, r, Path::im2col);
    for (const Path path : paths) {
      const std::string name = path == Path::direct ? "direct" : "winograd";
      CAPTURE(name);
      const Result fast = run(x, w, b, r, path);
      check_close(fast.y, lowered.y, "output");
      check_close(fast.dx, lowered.dx, "input gradient");
      check_close(fast.dw, lowered.dw, "weight gradient");
      check_close(fast.db, lowered.db, "bias gradient");
    }
  }
}

// Winograd's k x k path gives the same bits with 1 and 2 threads (20 images: 3 weight-gradient
// chunks).
void check_thread_independence(int64_t k, Generator& gen) {
  const Tensor x = random_tensor({20, 16, 8, 16}, gen), w = random_tensor({16, 16, k, k}, gen),
               b = random_tensor({16}, gen), r = random_tensor({20, 16, 8, 16}, gen);
  omp_set_num_threads(1);
  const Result one = run(x, w, b, r, Path::winograd);
  omp_set_num_threads(2);
  const Result two = run(x, w, b, r, Path::winograd);
  omp_set_num_threads(omp_get_num_procs());
  CHECK(one.y == two.y);
  CHECK(one.dx == two.dx);
  CHECK(one.dw == two.dw);
}

}  // namespace

TEST_SUITE("conv") {
  TEST_CASE("conv3x3: applies to 3x3, stride 1, padding 1, widths a multiple of 16 or 8 by 2k") {
    auto window = [](int64_t h, int64_t w, int64_t k, int64_t s, int64_t p) {
      return detail::Window::make("conv2d", Tensor::zeros({1, 2, h, w}), k, k, {s, s}, {p, p});
    };
#ifdef __AVX512F__
    CHECK(detail::same_size_conv_applies(window(5, 32, 3, 1, 1)));
    CHECK(detail::same_size_conv_applies(window(5, 16, 3, 1, 1)));
    CHECK(detail::same_size_conv_applies(window(6, 8, 3, 1, 1)));
#endif
    CHECK_FALSE(detail::same_size_conv_applies(window(5, 8, 3, 1, 1)));  // 40 positions
    CHECK_FALSE(detail::same_size_conv_applies(window(6, 24, 3, 1, 1)));
    CHECK_FALSE(detail::same_size_conv_applies(window(6, 4, 3, 1, 1)));
    CHECK_FALSE(detail::same_size_conv_applies(window(5, 32, 3, 2, 1)));
    CHECK_FALSE(detail::same_size_conv_applies(window(5, 32, 3, 1, 0)));
    CHECK_FALSE(detail::same_size_conv_applies(window(5, 32, 5, 1, 1)));
    CHECK_FALSE(detail::same_size_conv_applies(window(5, 32, 5, 1, 2)));  // 5x5: 3 channels
  }

  TEST_CASE("conv3x3: Winograd's kernel applies from 16 channels to 16k 2x2 blocks, rows of 4k") {
    auto window = [](int64_t c, int64_t h, int64_t w) {
      return detail::Window::make("conv2d", Tensor::zeros({1, c, h, w}), 3, 3, {1, 1}, {1, 1});
    };
#ifdef ADAMITE_SIMD
    CHECK(detail::winograd_applies(window(16, 32, 32)));
    CHECK(detail::winograd_applies(window(32, 16, 16)));
    CHECK(detail::winograd_applies(window(64, 8, 8)));
    CHECK(detail::winograd_applies(window(17, 4, 32)));
    CHECK(detail::winograd_applies(window(16, 4, 48)));  // rows of 24 blocks
    // The weight gradient: input channels a multiple of 16, output channels of 8.
    CHECK(detail::winograd_weight_gradient_applies(window(16, 32, 32), 16));
    CHECK(detail::winograd_weight_gradient_applies(window(32, 16, 16), 24));
    CHECK(detail::winograd_weight_gradient_applies(window(16, 4, 48), 8));
    CHECK_FALSE(detail::winograd_weight_gradient_applies(window(17, 4, 32), 16));
    CHECK_FALSE(detail::winograd_weight_gradient_applies(window(16, 32, 32), 12));
    // 8 blocks, 24 input channels: a whole number of vectors in AVX2's 8 lanes, not AVX-512's 16.
    CHECK(detail::winograd_applies(window(16, 4, 8)) == (detail::simd::kLanes == 8));
    CHECK(detail::winograd_weight_gradient_applies(window(24, 8, 16), 8) ==
          (detail::simd::kLanes == 8));
#endif
    CHECK_FALSE(detail::winograd_weight_gradient_applies(window(15, 32, 32), 16));
    CHECK_FALSE(detail::winograd_applies(window(15, 32, 32)));  // too few channels: direct
    CHECK_FALSE(detail::winograd_applies(window(16, 5, 32)));   // odd height
    CHECK_FALSE(detail::winograd_applies(window(16, 6, 8)));    // 12 blocks
    CHECK_FALSE(detail::winograd_applies(window(16, 32, 4)));   // rows of 2 blocks
  }

  TEST_CASE("conv3x3: F(4x4, 3x3) applies to channels in whole vectors and rows of whole groups") {
    auto window = [](int64_t c, int64_t h, int64_t w) {
      return detail::Window::make("conv2d", Tensor::zeros({1, c, h, w}), 3, 3, {1, 1}, {1, 1});
    };
#ifdef ADAMITE_SIMD
    // ResNet-20's same-size layers, their output and (transposed) input-gradient convolutions.
    CHECK(detail::winograd4x4_applies(window(16, 32, 32), 16));
    CHECK(detail::winograd4x4_applies(window(32, 16, 16), 32));
    CHECK(detail::winograd4x4_applies(window(64, 8, 8), 64));
    CHECK(detail::winograd4x4_applies(window(16, 4, 32), 16));  // one row of 8 blocks
    CHECK(detail::winograd4x4_applies(window(16, 8, 16), 32));
    // 24 channels: 3 vectors of AVX2's 8 lanes, not whole vectors of AVX-512's 16.
    CHECK(detail::winograd4x4_applies(window(24, 8, 8), 16) == (detail::simd::kLanes == 8));
    CHECK(detail::winograd4x4_applies(window(16, 8, 8), 24) == (detail::simd::kLanes == 8));
    CHECK_FALSE(detail::winograd4x4_applies(window(16, 6, 8), 16));  // height not of 4
    CHECK_FALSE(detail::winograd4x4_applies(window(16, 4, 4), 16));  // one block
    CHECK_FALSE(detail::winograd4x4_applies(window(16, 4, 8), 16));  // two blocks
    detail::winograd_enabled() = false;  // the switch the tests use for the other paths
    CHECK_FALSE(detail::winograd4x4_applies(window(16, 32, 32), 16));
    detail::winograd_enabled() = true;
#endif
    CHECK_FALSE(detail::winograd4x4_applies(window(15, 32, 32), 16));
    CHECK_FALSE(detail::winograd4x4_applies(window(16, 32, 32), 15));
  }

  TEST_CASE("conv3x3: output and gradients match the im2col path") {
    Generator gen(31);
    // Channel counts below, at and across the 8-channel blocks and 16 lanes; an odd number of
    // output vectors (5 rows of 16: the single-vector tail), several rows of 32, rows of 8 (two
    // to a vector), one image and more than a weight-gradient chunk (8 samples).
    check_against_im2col(
        3,
        {{{2, 3, 5, 16}, 5},
         {{3, 16, 4, 32}, 16},
         {{2, 13, 3, 16}, 19},
         {{1, 1, 1, 16}, 1},
         {{10, 7, 6, 8}, 9},
         {{2, 64, 2, 8}, 64},
         // Winograd's shapes (its weight gradient from 16k input and 8k output channels):
         {{2, 16, 8, 8}, 16},
         {{10, 16, 8, 8}, 8},
         {{1, 17, 4, 32}, 19},
         {{2, 32, 16, 16}, 24},
         {{1, 16, 32, 32}, 16},
         {{1, 20, 4, 64}, 9},
         {{2, 16, 4, 48}, 8},
         // AVX2's 8 lanes: one vector of 8 blocks, 24 input channels and 16 output channels (a
         // tile of 6 and two of 5); 5 vectors (two tiles of 2 and one of 1); output channels in
         // tiles of 5 only (10, 20, 25), of 6 and 5 (32) and of 6 and a short one (7).
         {{2, 24, 4, 8}, 16},
         {{1, 16, 10, 16}, 12},
         {{1, 16, 4, 16}, 10},
         {{1, 16, 4, 16}, 20},
         {{1, 16, 4, 16}, 25},
         {{1, 16, 4, 16}, 32},
         {{1, 16, 4, 16}, 7}},
        {Path::direct, Path::winograd}, gen);
  }

  TEST_CASE("conv3x3: gradients against finite differences, added onto an existing gradient") {
    Generator gen(32);
    // y = conv(x) + x: x's gradient gets two contributions, one of them the direct kernel's.
    check_gradients("direct 3x3, 3 channels, 3x16",
                    {random_tensor({2, 3, 3, 16}, gen), random_tensor({3, 3, 3, 3}, gen),
                     random_tensor({3}, gen)},
                    [](const Inputs& in) {
                      return conv2d(in[0], in[1], in[2], {1, 1}, {1, 1}) + in[0];
                    });
    check_gradients("direct 3x3, 2 channels, 4x8",
                    {random_tensor({2, 2, 4, 8}, gen), random_tensor({2, 2, 3, 3}, gen)},
                    [](const Inputs& in) {
                      return conv2d(in[0], in[1], Tensor(), {1, 1}, {1, 1}) + in[0];
                    });
  }

  TEST_CASE("conv3x3: Winograd's gradients against finite differences") {
    Generator gen(34);
    // 16 channels of 8x8 and 4x32 (one and two rows of 16 blocks), and 16 output channels: both
    // the output and the input gradient go through the Winograd kernel (F(4x4, 3x3) where it
    // applies). The function is linear in each input, so a wide step has no truncation error
    // and keeps the transforms' rounding (a few 1e-6 of the outputs' scale, over 1,024 outputs
    // in the objective) out of the difference quotient, which a step of 1e-3 would magnify.
    for (const Shape& shape : {Shape{1, 16, 8, 8}, Shape{1, 16, 4, 32}})
      check_gradients(
          "winograd 3x3, " + to_string(shape),
          {random_tensor(shape, gen), random_tensor({16, 16, 3, 3}, gen)},
          [](const Inputs& in) {
            return conv2d(in[0], in[1], Tensor(), {1, 1}, {1, 1}) + in[0];
          },
          /*h=*/0.25);
  }

  TEST_CASE("conv3x3: the same bits with 1 and 2 threads") {
    Generator gen(33);
    check_thread_independence(3, gen);
  }

  TEST_CASE("conv5x5: Winograd's F(2x2, 5x5) applies to same-size 5x5 layers of 16+ channels") {
    auto window = [](int64_t c, int64_t h, int64_t w) {
      return detail::Window::make("conv2d", Tensor::zeros({1, c, h, w}), 5, 5, {1, 1}, {2, 2});
    };
#ifdef ADAMITE_SIMD
    CHECK(detail::winograd_applies(window(64, 16, 16)));  // the paper CNN's second and third
    CHECK(detail::winograd_applies(window(64, 8, 8)));
    CHECK(detail::same_size_conv_applies(window(64, 16, 16)));
    CHECK(detail::winograd_weight_gradient_applies(window(64, 16, 16), 64));
    CHECK(detail::same_size_conv_weight_gradient_applies(window(64, 16, 16), 64));
    CHECK_FALSE(detail::same_size_conv_weight_gradient_applies(window(17, 4, 32), 19));  // lowered
#endif
    CHECK_FALSE(detail::same_size_conv_applies(window(3, 32, 32)));  // the first: im2col
    CHECK_FALSE(detail::winograd_applies(window(16, 6, 8)));         // 12 blocks
    CHECK_FALSE(detail::winograd_applies(detail::Window::make(
        "conv2d", Tensor::zeros({1, 16, 8, 8}), 5, 5, {1, 1}, {1, 1})));  // padding 1
  }

  TEST_CASE("conv5x5: output and gradients match the im2col path") {
    Generator gen(35);
    // Rows of 4, 8 and 16 blocks, channels across the 8-channel blocks, more than a chunk.
    check_against_im2col(5,
                         {{{2, 16, 8, 8}, 16},
                          {{10, 16, 8, 8}, 8},
                          {{1, 17, 4, 32}, 19},
                          {{2, 32, 16, 16}, 24},
                          {{1, 64, 16, 16}, 64},
                          {{2, 24, 4, 8}, 16},
                          {{1, 16, 10, 16}, 12}},
                         {Path::winograd}, gen);
  }

  TEST_CASE(
      "conv5x5: Winograd's gradients against finite differences, and the same bits with 1 "
      "and 2 threads") {
    Generator gen(36);
    // The loss is linear in every input, so a large step has no truncation error, and it keeps
    // F(2x2, 5x5)'s rounding (a few 1e-6 of the sums) small against the difference it measures.
    check_gradients(
        "winograd 5x5, [1, 16, 4, 16]",
        {random_tensor({1, 16, 4, 16}, gen), random_tensor({16, 16, 5, 5}, gen)},
        [](const Inputs& in) {
          return conv2d(in[0], in[1], Tensor(), {1, 1}, {2, 2}) + in[0];
        },
        /*h=*/0.1);
    check_thread_independence(5, gen);
  }
}
