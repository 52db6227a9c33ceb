// The matrix-product kernels (oneDNN's sgemm when built with it, and Eigen's) against a
// double-precision loop, for every transpose combination, alpha/beta, tile edges and sub-matrix
// strides; and the same bits whatever the number of threads.
#include <doctest/doctest.h>
#include <omp.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "adamite/random.hpp"
#include "src/ops/gemm.hpp"

using namespace adamite;
using detail::GemmKernel;

namespace {
std::vector<float> random_values(size_t n, Generator& gen) {
  std::vector<float> v(n);
  for (float& x : v) x = gen.uniform(-1.0f, 1.0f);
  return v;
}

// C = alpha·op(A)·op(B) + beta·C with row strides lda, ldb, ldc, in double.
std::vector<double> reference(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha,
                              const std::vector<float>& a, int64_t lda, const std::vector<float>& b,
                              int64_t ldb, float beta, const std::vector<float>& c, int64_t ldc) {
  std::vector<double> out(c.begin(), c.end());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (int64_t p = 0; p < k; ++p)
        acc += double(ta ? a[size_t(p * lda + i)] : a[size_t(i * lda + p)]) *
               double(tb ? b[size_t(j * ldb + p)] : b[size_t(p * ldb + j)]);
      out[size_t(i * ldc + j)] = alpha * acc + beta * double(c[size_t(i * ldc + j)]);
    }
  return out;
}

std::vector<GemmKernel> built_kernels() {
  std::vector<GemmKernel> kernels{GemmKernel::eigen};
  if (detail::set_gemm_kernel(GemmKernel::onednn)) kernels.push_back(GemmKernel::onednn);
  return kernels;
}
}  // namespace

TEST_SUITE("gemm") {
  TEST_CASE("gemm: every kernel matches a double loop (transposes, alpha, beta, tile edges)") {
    const GemmKernel initial = detail::gemm_kernel();
    Generator gen(3);
    struct Size {
      int64_t m, n, k;
    };
    // 1-row/1-column products, tile edges (64 rows, 256 columns) and a product big enough to run
    // threaded (m·n·k >= 2^18).
    const Size sizes[] = {{1, 1, 1},   {1, 7, 3},     {5, 1, 9},   {129, 3, 4},
                          {3, 257, 5}, {130, 70, 40}, {64, 256, 0}};
    for (GemmKernel kernel : built_kernels()) {
      REQUIRE(detail::set_gemm_kernel(kernel));
      for (const Size& s : sizes)
        for (int t = 0; t < 4; ++t) {
          const bool ta = t & 1, tb = t & 2;
          const float alpha = t == 3 ? -0.5f : 1.0f, beta = t == 0 ? 0.0f : 0.75f;
          CAPTURE(detail::gemm_kernel_name(kernel));
          CAPTURE(s.m);
          CAPTURE(s.n);
          CAPTURE(s.k);
          CAPTURE(t);
          const auto a = random_values(size_t(s.m * s.k), gen);
          const auto b = random_values(size_t(s.k * s.n), gen);
          auto c = random_values(size_t(s.m * s.n), gen);
          const auto expected = reference(ta, tb, s.m, s.n, s.k, alpha, a, ta ? s.m : s.k, b,
                                          tb ? s.k : s.n, beta, c, s.n);
          detail::gemm(ta, tb, s.m, s.n, s.k, alpha, a.data(), b.data(), beta, c.data());
          for (size_t i = 0; i < c.size(); ++i)
            REQUIRE(c[i] == doctest::Approx(expected[i]).epsilon(1e-5).scale(1.0));
        }
    }
    detail::set_gemm_kernel(initial);
  }

  TEST_CASE("gemm: the sequential product on sub-matrices (row strides) of larger buffers") {
    const GemmKernel initial = detail::gemm_kernel();
    Generator gen(4);
    const int64_t m = 6, n = 5, k = 7, lda = 11, ldb = 9, ldc = 8;  // strides > the used width
    for (GemmKernel kernel : built_kernels()) {
      REQUIRE(detail::set_gemm_kernel(kernel));
      for (int t = 0; t < 4; ++t) {
        const bool ta = t & 1, tb = t & 2;
        const auto a = random_values(size_t((ta ? k : m) * lda), gen);
        const auto b = random_values(size_t((tb ? n : k) * ldb), gen);
        auto c = random_values(size_t(m * ldc), gen);
        const auto expected = reference(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 1.0f, c, ldc);
        const std::vector<float> before = c;
        detail::gemm_sequential(ta, tb, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 1.0f, c.data(),
                                ldc);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < ldc; ++j) {
            const size_t at = size_t(i * ldc + j);
            if (j < n)
              REQUIRE(c[at] == doctest::Approx(expected[at]).epsilon(1e-5).scale(1.0));
            else  // outside the sub-matrix: untouched
              REQUIRE(c[at] == before[at]);
          }
      }
    }
    detail::set_gemm_kernel(initial);
  }

  TEST_CASE("gemm: the same bits with 1 and 2 threads, for every kernel") {
    const GemmKernel initial = detail::gemm_kernel();
    Generator gen(5);
    const int64_t m = 300, n = 500, k = 200;
    const auto a = random_values(size_t(m * k), gen), b = random_values(size_t(k * n), gen);
    for (GemmKernel kernel : built_kernels()) {
      REQUIRE(detail::set_gemm_kernel(kernel));
      std::vector<float> one(size_t(m * n)), two(size_t(m * n));
      omp_set_num_threads(1);
      detail::gemm(false, true, m, n, k, 1.0f, a.data(), b.data(), 0.0f, one.data());
      omp_set_num_threads(2);
      detail::gemm(false, true, m, n, k, 1.0f, a.data(), b.data(), 0.0f, two.data());
      CHECK(one == two);
    }
    omp_set_num_threads(omp_get_num_procs());
    detail::set_gemm_kernel(initial);
  }

  TEST_CASE(
      "gemm: oneDNN is the kernel in use when the build found it, unless ADAMITE_GEMM=eigen") {
    const char* choice = std::getenv("ADAMITE_GEMM");
    const bool eigen_asked = choice != nullptr && std::string(choice) == "eigen";
#ifdef ADAMITE_TEST_EXPECT_DNNL
    CHECK(detail::gemm_kernel() == (eigen_asked ? GemmKernel::eigen : GemmKernel::onednn));
#else
    CHECK(detail::gemm_kernel() == GemmKernel::eigen);
#endif
  }
}
