// The one place where the heavy matrix products run. Row-major, BLAS-like:
//   C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C
// where op(X) is X or its transpose. Internal to src/: ops call this, users call matmul/linear.
//
// Two kernels compute a product on one thread: oneDNN's sgemm (JIT-compiled for the CPU, about
// 1.3x Eigen's speed on AVX-512; used when the build found libdnnl-dev) and Eigen's. Threads are
// always ours, over tiles of fixed shape, so the numbers do not depend on the thread count.
#pragma once

#include <cstdint>
#include <string_view>

namespace adamite::detail {

// Threaded over fixed tiles of C: call from outside parallel regions.
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c);

// The same product on the calling thread only, for ops that already run one product per thread;
// lda, ldb, ldc are the distances between consecutive stored rows, so sub-matrices work too.
void gemm_sequential(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k,
                     float alpha, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float beta, float* c, int64_t ldc);

enum class GemmKernel { eigen, onednn };
// The kernel in use: oneDNN when built with it, unless ADAMITE_GEMM=eigen is set.
GemmKernel gemm_kernel();
// For tests and benchmarks that compare the kernels; returns false when `kernel` is not built in.
bool set_gemm_kernel(GemmKernel kernel);
std::string_view gemm_kernel_name(GemmKernel kernel);

}  // namespace adamite::detail
