#include "gemm.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cstdlib>
#include <string>

#include "adamite/backend.hpp"

#ifdef ADAMITE_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

namespace adamite::detail {
namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;
using Map = Eigen::Map<Matrix, 0, Eigen::OuterStride<>>;

// The BLAS view of one product: op(A) [rows, k], op(B) [k, cols].
struct Operands {
  bool transpose_a, transpose_b;
  int64_t k;
  const float* a;
  int64_t lda;  // distance between stored rows
  const float* b;
  int64_t ldb, ldc;
};

void eigen_kernel(const Operands& p, int64_t rows, int64_t cols, float alpha, const float* a,
                  const float* b, float beta, float* c, int64_t ldc) {
  const int64_t k = p.k;
  Map out(c, rows, cols, Eigen::OuterStride<>(ldc));
  auto run = [&](const auto& op_a, const auto& op_b) {
    if (beta == 0.0f)
      out.noalias() = alpha * (op_a * op_b);
    else {
      if (beta != 1.0f) out *= beta;
      out.noalias() += alpha * (op_a * op_b);
    }
  };
  const ConstMap a_stored(a, p.transpose_a ? k : rows, p.transpose_a ? rows : k,
                          Eigen::OuterStride<>(p.lda));
  const ConstMap b_stored(b, p.transpose_b ? cols : k, p.transpose_b ? k : cols,
                          Eigen::OuterStride<>(p.ldb));
  if (!p.transpose_a && !p.transpose_b) run(a_stored, b_stored);
  if (!p.transpose_a && p.transpose_b) run(a_stored, b_stored.transpose());
  if (p.transpose_a && !p.transpose_b) run(a_stored.transpose(), b_stored);
  if (p.transpose_a && p.transpose_b) run(a_stored.transpose(), b_stored.transpose());
}

GemmKernel initial_kernel() {
#ifdef ADAMITE_HAVE_DNNL
  const char* choice = std::getenv("ADAMITE_GEMM");
  if (choice == nullptr || std::string(choice) != "eigen") return GemmKernel::onednn;
#endif
  return GemmKernel::eigen;
}

GemmKernel active_kernel = initial_kernel();

// One product on the calling thread.
void product(const Operands& p, int64_t rows, int64_t cols, float alpha, float beta, float* out) {
  if (p.k == 0) {  // C = beta·C; oneDNN would leave C as it is
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        out[i * p.ldc + j] = beta == 0.0f ? 0.0f : beta * out[i * p.ldc + j];
    return;
  }
#ifdef ADAMITE_HAVE_DNNL
  // oneDNN's AVX-512 kernel for a transposed B is slow when C has few columns (one core,
  // GFLOP/s, oneDNN vs Eigen: 64x75x1024 35 vs 74, 128x10x1000 44 vs 59, 128x50x500 70 vs 80;
  // from 128 columns on they tie or oneDNN wins), unless C is tall: a transposed convolution
  // weight gradient, 144x16x1024, runs at 141 on oneDNN. Such products, e.g. a first
  // convolution's weight gradient, go to Eigen there. Its AVX2 kernel is not slow (Zen 3: 75 vs
  // 51, 45 vs 33, 74 vs 54): there oneDNN keeps them. A choice by shape and machine only, so
  // still the same bits at any thread count. (gemm's tiles have fewer than 128 rows: only
  // convolutions reach the tall case.)
  static const bool avx512 = (unsigned(dnnl_get_effective_cpu_isa()) & dnnl_cpu_isa_avx512_core) ==
                             dnnl_cpu_isa_avx512_core;
  const bool onednn_is_slow = avx512 && p.transpose_b && !p.transpose_a && cols < 128 && rows < 128;
  if (active_kernel == GemmKernel::onednn && !onednn_is_slow) {
    const OneOpenMpThread one_thread;  // a tile's bits must not depend on OMP_NUM_THREADS
    dnnl_sgemm(p.transpose_a ? 'T' : 'N', p.transpose_b ? 'T' : 'N', rows, cols, p.k, alpha, p.a,
               p.lda, p.b, p.ldb, beta, out, p.ldc);
    return;
  }
#endif
  eigen_kernel(p, rows, cols, alpha, p.a, p.b, beta, out, p.ldc);
}

}  // namespace

void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c) {
  gemm_in_tiles(transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c);
}

void gemm_sequential(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k,
                     float alpha, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  product(Operands{transpose_a, transpose_b, k, a, lda, b, ldb, ldc}, m, n, alpha, beta, c);
}

GemmKernel gemm_kernel() {
  return active_kernel;
}

bool set_gemm_kernel(GemmKernel kernel) {
#ifndef ADAMITE_HAVE_DNNL
  if (kernel == GemmKernel::onednn) return false;
#endif
  active_kernel = kernel;
  return true;
}

std::string_view gemm_kernel_name(GemmKernel kernel) {
  return kernel == GemmKernel::onednn ? "oneDNN sgemm" : "Eigen";
}

}  // namespace adamite::detail

namespace adamite {
std::string_view matmul_kernel() {
  return detail::gemm_kernel_name(detail::gemm_kernel());
}
}  // namespace adamite
