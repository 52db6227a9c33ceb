// Mixed precision (adamite/precision.hpp): bf16 rounding by hand; bf16 products against a double
// loop; Linear and Conv2d forward and gradients in bf16 against fp32 (equal where the operands are
// exactly bf16, within bf16's rounding elsewhere); the same bits with 1 and 2 threads; a small
// model trained in bf16. On a CPU without bf16 hardware the product tests skip, saying why.
#include <doctest/doctest.h>
#include <omp.h>

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <thread>
#include <vector>

#include "adamite/adamite.hpp"
#include "gradcheck.hpp"
#include "src/ops/bf16.hpp"
#include "src/ops/gemm.hpp"

using namespace adamite;
using adamite::testing::random_tensor;
using detail::bf16;

namespace {
// True when bf16 products run here; otherwise reports why the calling test checks nothing more.
bool bf16_runs_here() {
  const std::string why = bf16_unavailable_reason();
  if (!why.empty()) MESSAGE("skipped: " << why);
  return why.empty();
}

float round_to_bf16(float x) {
  return detail::to_float(detail::to_bf16(x));
}

// Values exactly representable in bf16 (8 significant bits), so bf16 products see them unrounded.
void make_bf16_exact(Tensor& t) {
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = round_to_bf16(t.data()[i]);
}

float largest_difference(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

float largest_magnitude(const std::vector<float>& a) {
  float worst = 0.0f;
  for (float v : a) worst = std::max(worst, std::fabs(v));
  return worst;
}

// An op's output and the gradients of Σ out·R with respect to each input, at some precision.
struct Results {
  std::vector<std::vector<float>> values;  // output, then one gradient per input
};

Results run_op(Precision precision, const std::vector<Tensor>& inputs, const Tensor& r,
               const std::function<Tensor(const std::vector<Tensor>&)>& op) {
  const MixedPrecision scope(precision);
  std::vector<Tensor> copies;
  for (const Tensor& t : inputs) {
    copies.push_back(t.clone());
    copies.back().set_requires_grad(true);
  }
  const Tensor y = op(copies);
  sum(mul(y, r)).backward();
  Results results;
  results.values.push_back(y.to_vector());
  for (const Tensor& t : copies) results.values.push_back(t.grad().to_vector());
  return results;
}

// The op in bf16 against fp32 for its output and the gradients of its first two inputs (the
// products' results): with arbitrary inputs bf16's rounding shows (relative 1e-4 to 2e-2); with
// bf16-exact inputs and R only the fp32 summation order can differ (relative 1e-5). A third input,
// a bias, never enters a product: its gradient is the same in both.
void check_against_fp32(const std::string& what, std::vector<Tensor> inputs, const Shape& out,
                        const std::function<Tensor(const std::vector<Tensor>&)>& op) {
  CAPTURE(what);
  Generator gen(21);
  for (const bool exact : {false, true}) {
    CAPTURE(exact);
    Tensor r = random_tensor(out, gen);
    if (exact) {
      make_bf16_exact(r);
      for (Tensor& t : inputs) make_bf16_exact(t);
    }
    const Results fp32 = run_op(Precision::fp32, inputs, r, op);
    const Results bf16 = run_op(Precision::bf16, inputs, r, op);
    for (size_t i = 0; i < fp32.values.size(); ++i) {
      CAPTURE(i);  // 0: the output, then the gradients of the inputs in order
      const float scale = largest_magnitude(fp32.values[i]);
      const float relative = largest_difference(fp32.values[i], bf16.values[i]) / scale;
      if (i == 3) {
        CHECK(relative == 0.0f);
      } else if (exact) {
        CHECK(relative < 1e-5f);
      } else {
        CHECK(relative < 2e-2f);
        CHECK(relative > 1e-4f);  // the products did run in bf16
      }
    }
  }
}
}  // namespace

TEST_SUITE("bf16") {
  TEST_CASE("bf16: conversion rounds to nearest, ties to even, and keeps NaN and infinity") {
    auto bits = [](float x) { return detail::to_bf16(x).bits; };
    CHECK(bits(1.0f) == 0x3f80);
    CHECK(bits(-2.0f) == 0xc000);
    CHECK(bits(1.0f + 1.0f / 256) == 0x3f80);                 // a tie, to the even 1.0
    CHECK(bits(1.0f + 3.0f / 256) == 0x3f82);                 // a tie, to the even 1 + 4/256
    CHECK(bits(1.0f + 1.0f / 256 + 1.0f / 65536) == 0x3f81);  // above the tie: up
    CHECK(bits(1.0f + 1.0f / 512) == 0x3f80);                 // below the tie: down
    CHECK(bits(std::numeric_limits<float>::infinity()) == 0x7f80);
    CHECK(bits(std::numeric_limits<float>::max()) == 0x7f80);  // rounds up into infinity
    CHECK(std::isnan(detail::to_float(detail::to_bf16(std::nanf("")))));
    CHECK(detail::to_float(bf16{0x4049}) == 3.140625f);
    // The bulk conversion rounds each value alike, threaded or not.
    std::vector<float> many(100000);
    for (size_t i = 0; i < many.size(); ++i) many[i] = float(i) * 1.0001f - 5000.0f;
    std::vector<bf16> converted(many.size());
    detail::convert_to_bf16(many.data(), int64_t(many.size()), converted.data());
    for (size_t i = 0; i < many.size(); ++i)
      REQUIRE(converted[i].bits == detail::to_bf16(many[i]).bits);
  }

  TEST_CASE("bf16: products match a double loop (transposes, beta, tile edges, strides)") {
    if (!bf16_runs_here()) return;
    Generator gen(22);
    struct Size {
      int64_t m, n, k;
    };
    const Size sizes[] = {{1, 1, 1},     {5, 1, 9},      {129, 3, 4}, {3, 257, 5},
                          {130, 70, 40}, {150, 520, 33}, {4, 6, 0}};
    for (const Size& s : sizes)
      for (int t = 0; t < 8; ++t) {
        const bool ta = t & 1, tb = t & 2, accumulate = t & 4;
        CAPTURE(s.m);
        CAPTURE(s.n);
        CAPTURE(s.k);
        CAPTURE(t);
        std::vector<bf16> a(size_t(s.m * s.k)), b(size_t(s.k * s.n));
        for (bf16& v : a) v = detail::to_bf16(gen.uniform(-1.0f, 1.0f));
        for (bf16& v : b) v = detail::to_bf16(gen.uniform(-1.0f, 1.0f));
        std::vector<float> c(size_t(s.m * s.n));
        for (float& v : c) v = gen.uniform(-1.0f, 1.0f);
        std::vector<double> expected(c.size());
        for (int64_t i = 0; i < s.m; ++i)
          for (int64_t j = 0; j < s.n; ++j) {
            double sum = accumulate ? double(c[size_t(i * s.n + j)]) : 0.0;
            for (int64_t p = 0; p < s.k; ++p)
              sum += double(detail::to_float(a[size_t(ta ? p * s.m + i : i * s.k + p)])) *
                     double(detail::to_float(b[size_t(tb ? j * s.k + p : p * s.n + j)]));
            expected[size_t(i * s.n + j)] = sum;
          }
        detail::gemm(ta, tb, s.m, s.n, s.k, 1.0f, a.data(), b.data(), accumulate ? 1.0f : 0.0f,
                     c.data());
        for (size_t i = 0; i < c.size(); ++i)
          REQUIRE(c[i] == doctest::Approx(expected[i]).epsilon(1e-5).scale(1.0));
      }
    // A sub-matrix product leaves the rest of C alone.
    const int64_t m = 6, n = 5, k = 7, lda = 11, ldb = 9, ldc = 8;
    std::vector<bf16> a(size_t(m * lda)), b(size_t(k * ldb));
    for (bf16& v : a) v = detail::to_bf16(gen.uniform(-1.0f, 1.0f));
    for (bf16& v : b) v = detail::to_bf16(gen.uniform(-1.0f, 1.0f));
    std::vector<float> c(size_t(m * ldc), 7.0f);
    detail::gemm_sequential(false, false, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f,
                            c.data(), ldc);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < ldc; ++j) {
        double expected = 0.0;
        for (int64_t p = 0; p < k; ++p)
          expected += double(detail::to_float(a[size_t(i * lda + p)])) *
                      double(detail::to_float(b[size_t(p * ldb + j)]));
        REQUIRE(
            c[size_t(i * ldc + j)] ==
            (j < n ? doctest::Approx(expected).epsilon(1e-5).scale(1.0) : doctest::Approx(7.0)));
      }
  }

  TEST_CASE("bf16: products give the same bits with 1 and 2 threads") {
    if (!bf16_runs_here()) return;
    Generator gen(23);
    const int64_t m = 300, n = 500, k = 200;
    std::vector<bf16> a(size_t(m * k)), b(size_t(k * n));
    for (bf16& v : a) v = detail::to_bf16(gen.uniform(-1.0f, 1.0f));
    for (bf16& v : b) v = detail::to_bf16(gen.uniform(-1.0f, 1.0f));
    std::vector<float> one(size_t(m * n)), two(size_t(m * n));
    omp_set_num_threads(1);
    detail::gemm(false, true, m, n, k, 1.0f, a.data(), b.data(), 0.0f, one.data());
    omp_set_num_threads(2);
    detail::gemm(false, true, m, n, k, 1.0f, a.data(), b.data(), 0.0f, two.data());
    omp_set_num_threads(omp_get_num_procs());
    CHECK(one == two);
  }

  TEST_CASE(
      "bf16: a product's bits do not depend on the thread count its kernel was compiled under") {
    // Each thread compiles and keeps its own kernels; oneDNN sizes a kernel's blocking (and may
    // split a long k into partial sums) by the threads it sees when compiling. Each count runs
    // in a fresh thread, so neither finds the other's kernels cached. The shapes are the paper
    // CNN's last layer (128 x 10, k = 1000: small m·n, long k), forward and gradients.
    if (!bf16_runs_here()) return;
    Generator gen(27);
    struct Shape3 {
      bool ta, tb;
      int64_t m, n, k;
    };
    for (const Shape3& s :
         {Shape3{false, true, 128, 10, 1000}, Shape3{false, false, 128, 1000, 10},
          Shape3{true, false, 10, 1000, 128}, Shape3{false, true, 300, 500, 200},
          Shape3{false, true, 128, 1000, 2048}, Shape3{true, false, 1000, 2048, 128},
          Shape3{false, false, 128, 2048, 1000}}) {
      CAPTURE(s.m);
      CAPTURE(s.n);
      CAPTURE(s.k);
      std::vector<bf16> a(size_t(s.m * s.k)), b(size_t(s.k * s.n));
      for (bf16& v : a) v = detail::to_bf16(gen.uniform(-1.0f, 1.0f));
      for (bf16& v : b) v = detail::to_bf16(gen.uniform(-1.0f, 1.0f));
      const auto product_with = [&](int threads) {
        std::vector<float> c(size_t(s.m * s.n));
        std::thread([&] {
          omp_set_num_threads(threads);
          detail::gemm(s.ta, s.tb, s.m, s.n, s.k, 1.0f, a.data(), b.data(), 0.0f, c.data());
        }).join();
        return c;
      };
      CHECK(product_with(1) == product_with(2));
    }
  }

  TEST_CASE("bf16: linear's output and gradients against fp32") {
    if (!bf16_runs_here()) return;
    Generator gen(24);
    check_against_fp32(
        "linear",
        {random_tensor({130, 70}, gen), random_tensor({50, 70}, gen), random_tensor({50}, gen)},
        {130, 50}, [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); });
  }

  TEST_CASE("bf16: conv2d's output and gradients against fp32, on every lowering path") {
    if (!bf16_runs_here()) return;
    Generator gen(25);
    struct Geometry {
      const char* what;
      Shape x, w;
      std::array<int64_t, 2> stride, padding;
      Shape out;
    };
    const Geometry geometries[] = {
        // 5x5 "same" (the paper CNN's): input gradient as a convolution of the output gradient
        {"5x5 same", {10, 3, 12, 12}, {64, 3, 5, 5}, {1, 1}, {2, 2}, {10, 64, 12, 12}},
        // stride 2: the input gradient scattered back by col2im
        {"3x3 stride 2", {9, 4, 9, 9}, {8, 4, 3, 3}, {2, 2}, {1, 1}, {9, 8, 5, 5}},
        // 3x3 stride 1 with 16 channels: the direct kernel in fp32, lowered in bf16; few output
        // channels: the weight gradient computed transposed
        {"3x3 direct", {9, 16, 8, 8}, {16, 16, 3, 3}, {1, 1}, {1, 1}, {9, 16, 8, 8}},
    };
    for (const Geometry& g : geometries) {
      const auto stride = g.stride, padding = g.padding;
      check_against_fp32(
          g.what, {random_tensor(g.x, gen), random_tensor(g.w, gen), random_tensor({g.w[0]}, gen)},
          g.out, [stride, padding](const std::vector<Tensor>& in) {
            return conv2d(in[0], in[1], in[2], stride, padding);
          });
    }
  }

  TEST_CASE("bf16: the precision scope restores the previous one, and names its choices") {
    CHECK(matmul_precision() == Precision::fp32);
    CHECK(parse_precision("bf16") == Precision::bf16);
    CHECK(precision_name(Precision::bf16) == "bf16");
    CHECK_THROWS_WITH_AS(parse_precision("fp16"), "unknown precision 'fp16' (choose fp32 or bf16)",
                         std::invalid_argument);
    if (!bf16_runs_here()) {
      CHECK_THROWS_AS(MixedPrecision(Precision::bf16), std::runtime_error);
      return;
    }
    {
      const MixedPrecision outer(Precision::bf16);
      CHECK(matmul_precision() == Precision::bf16);
      {
        const MixedPrecision inner(Precision::fp32);
        CHECK(matmul_precision() == Precision::fp32);
      }
      CHECK(matmul_precision() == Precision::bf16);
    }
    CHECK(matmul_precision() == Precision::fp32);
    CHECK(!bf16_matmul_kernel().empty());
  }

  TEST_CASE("bf16: a small MLP learns a teacher's labels as well as in fp32") {
    if (!bf16_runs_here()) return;
    // 2,000 examples of 30 features labelled by a random linear teacher with 5 classes.
    Generator gen(26);
    const Tensor inputs = random_tensor({2000, 30}, gen), teacher = random_tensor({5, 30}, gen);
    const Tensor scores = matmul(inputs, transpose(teacher));
    std::vector<int32_t> labels;
    for (int64_t i = 0; i < 2000; ++i) {
      int32_t best = 0;
      for (int32_t c = 1; c < 5; ++c)
        if (scores.data()[i * 5 + c] > scores.data()[i * 5 + best]) best = c;
      labels.push_back(best);
    }
    auto accuracy_after_training = [&](Precision precision) {
      const MixedPrecision scope(precision);
      manual_seed(3);
      nn::Sequential model;
      model.add<nn::Linear>(30, 64);
      model.add<nn::ReLU>();
      model.add<nn::Linear>(64, 5);
      optim::Adam adam(model.parameters(), optim::AdamOptions(1e-2));
      for (int epoch = 0; epoch < 30; ++epoch)
        for (int64_t first = 0; first < 2000; first += 200) {
          adam.zero_grad();
          const std::vector<int32_t> batch(labels.begin() + first, labels.begin() + first + 200);
          cross_entropy(model.forward(narrow(inputs, 0, first, 200)), batch).backward();
          adam.step();
        }
      const Tensor predicted = model.forward(inputs);
      int64_t right = 0;
      for (int64_t i = 0; i < 2000; ++i) {
        int32_t best = 0;
        for (int32_t c = 1; c < 5; ++c)
          if (predicted.data()[i * 5 + c] > predicted.data()[i * 5 + best]) best = c;
        right += best == labels[size_t(i)];
      }
      return double(right) / 2000.0;
    };
    const double fp32 = accuracy_after_training(Precision::fp32);
    const double bf16 = accuracy_after_training(Precision::bf16);
    MESSAGE("training accuracy fp32 " << fp32 << ", bf16 " << bf16);
    CHECK(fp32 > 0.95);
    CHECK(bf16 > 0.95);
    CHECK(std::fabs(fp32 - bf16) < 0.02);
  }
}
