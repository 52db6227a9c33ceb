// The one place where the heavy matrix products run. Row-major, BLAS-like:
//   C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C
// where op(X) is X or its transpose. Internal to src/: ops call this, users call matmul/linear.
#pragma once

#include <cstdint>

namespace adamite::detail {

void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c);

}  // namespace adamite::detail
