// The one place where the heavy matrix products run. Row-major, BLAS-like:
//   C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C
// where op(X) is X or its transpose. Internal to src/: ops call this, users call matmul/linear.
//
// Two kernels compute a product on one thread: oneDNN's sgemm (JIT-compiled for the CPU, about
// 1.3x Eigen's speed on AVX-512; used when the build found libdnnl-dev) and Eigen's. Threads are
// always ours, over tiles of fixed shape, so the numbers do not depend on the thread count.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "bf16.hpp"

namespace adamite::detail {

// One OpenMP thread while it lives, inside parallel regions too. oneDNN reads OpenMP's thread
// count when it compiles a kernel and when it runs one: with more than one it may split a product
// into partial sums, and so sum a tile in an order that depends on OMP_NUM_THREADS.
class OneOpenMpThread {
 public:
  OneOpenMpThread() : threads_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneOpenMpThread() { omp_set_num_threads(threads_); }
  OneOpenMpThread(const OneOpenMpThread&) = delete;
  OneOpenMpThread& operator=(const OneOpenMpThread&) = delete;

 private:
  int threads_;
};

// C [m, n] is cut into tiles whose shapes depend only on (m, n), each computed by one
// single-threaded product, tile(first_row, rows, first_col, cols): the same numbers whatever the
// number of threads. Rows are split when there are many, else columns.
constexpr int64_t kGemmTileRows = 64, kGemmTileCols = 256;
inline bool gemm_splits_rows(int64_t m) {
  return m >= 2 * kGemmTileRows;
}
// split_rows: rows or columns, chosen by the shape (gemm_splits_rows, or a caller's own rule).
template <class Tile>
void for_each_gemm_tile(bool split_rows, int64_t m, int64_t n, int64_t k, Tile tile) {
  const int64_t size = split_rows ? kGemmTileRows : kGemmTileCols, extent = split_rows ? m : n;
  const int64_t tiles = (extent + size - 1) / size;
  // Threads only pay off for real work; the tiles (and so the numbers) are the same either way.
  const bool parallel = tiles > 1 && m * n * k >= (int64_t{1} << 18);
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t begin = t * size, length = std::min(size, extent - begin);
    if (split_rows)
      tile(begin, length, int64_t{0}, n);
    else
      tile(int64_t{0}, m, begin, length);
  }
}
template <class Tile>
void for_each_gemm_tile(int64_t m, int64_t n, int64_t k, Tile tile) {
  for_each_gemm_tile(gemm_splits_rows(m), m, n, k, tile);
}

// Threaded over fixed tiles of C: call from outside parallel regions.
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c);

// The same product on the calling thread only, for ops that already run one product per thread;
// lda, ldb, ldc are the distances between consecutive stored rows, so sub-matrices work too.
void gemm_sequential(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k,
                     float alpha, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float beta, float* c, int64_t ldc);

// The same products with bf16 operands, accumulated in fp32 into an fp32 C (adamite/precision.hpp),
// on oneDNN's bf16 kernels: alpha must be 1 and beta 0 or 1, as the ops use them.
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const bf16* a, const bf16* b, float beta, float* c);
void gemm_sequential(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k,
                     float alpha, const bf16* a, int64_t lda, const bf16* b, int64_t ldb,
                     float beta, float* c, int64_t ldc);
// The threaded product: C cut by for_each_gemm_tile, each tile one gemm_sequential on sub-matrices
// of A, B and C. For float and bf16 operands alike.
template <class T>
void gemm_in_tiles(bool split_rows, bool transpose_a, bool transpose_b, int64_t m, int64_t n,
                   int64_t k, float alpha, const T* a, const T* b, float beta, float* c) {
  const int64_t lda = transpose_a ? m : k, ldb = transpose_b ? k : n;
  for_each_gemm_tile(split_rows, m, n, k, [&](int64_t r0, int64_t rows, int64_t c0, int64_t cols) {
    gemm_sequential(transpose_a, transpose_b, rows, cols, k, alpha,
                    transpose_a ? a + r0 : a + r0 * lda, lda, transpose_b ? b + c0 * ldb : b + c0,
                    ldb, beta, c + r0 * n + c0, n);
  });
}
template <class T>
void gemm_in_tiles(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
                   const T* a, const T* b, float beta, float* c) {
  gemm_in_tiles(gemm_splits_rows(m), transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c);
}

// oneDNN's kernel for bf16 products here (e.g. "brg:avx512_core_bf16"); empty when there is
// none faster than its reference code, or no oneDNN.
std::string bf16_kernel_name();

enum class GemmKernel { eigen, onednn };
// The kernel in use: oneDNN when built with it, unless ADAMITE_GEMM=eigen is set.
GemmKernel gemm_kernel();
// For tests and benchmarks that compare the kernels; returns false when `kernel` is not built in.
bool set_gemm_kernel(GemmKernel kernel);
std::string_view gemm_kernel_name(GemmKernel kernel);

}  // namespace adamite::detail
