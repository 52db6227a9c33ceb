#include "gemm.hpp"

#include <Eigen/Core>
#include <algorithm>

namespace adamite::detail {
namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const Matrix>;
using Map = Eigen::Map<Matrix, 0, Eigen::OuterStride<>>;

// Eigen's threaded product picks its blocking from the thread count, so its last bits change
// with OMP_NUM_THREADS. We cut C into tiles whose shapes depend only on (m, n) and run one
// single-threaded product per tile: the same numbers whatever the number of threads.
constexpr int64_t kTileRows = 64;
constexpr int64_t kTileCols = 256;

template <class OpA, class OpB>
void tiled_product(const OpA& a, const OpB& b, int64_t m, int64_t n, int64_t k, float alpha,
                   float beta, float* c) {
  const bool split_rows = m >= 2 * kTileRows;
  const int64_t tile = split_rows ? kTileRows : kTileCols;
  const int64_t extent = split_rows ? m : n;
  const int64_t tiles = (extent + tile - 1) / tile;
  // Threads only pay off for real work; the tiles (and so the numbers) are the same either way.
  const bool parallel = tiles > 1 && m * n * k >= (int64_t{1} << 18);
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t begin = t * tile, len = std::min(tile, extent - begin);
    const int64_t r0 = split_rows ? begin : 0, rows = split_rows ? len : m;
    const int64_t c0 = split_rows ? 0 : begin, cols = split_rows ? n : len;
    Map out(c + r0 * n + c0, rows, cols, Eigen::OuterStride<>(n));
    auto product = a.middleRows(r0, rows) * b.middleCols(c0, cols);
    if (beta == 0.0f)
      out.noalias() = alpha * product;
    else {
      if (beta != 1.0f) out *= beta;
      out.noalias() += alpha * product;
    }
  }
}

}  // namespace

void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, const float* b, float beta, float* c) {
  if (m == 0 || n == 0) return;
  // A stored [m,k] (or [k,m] when transposed); B stored [k,n] (or [n,k]).
  const ConstMap a_stored(a, transpose_a ? k : m, transpose_a ? m : k);
  const ConstMap b_stored(b, transpose_b ? n : k, transpose_b ? k : n);
  if (!transpose_a && !transpose_b) tiled_product(a_stored, b_stored, m, n, k, alpha, beta, c);
  if (!transpose_a && transpose_b)
    tiled_product(a_stored, b_stored.transpose(), m, n, k, alpha, beta, c);
  if (transpose_a && !transpose_b)
    tiled_product(a_stored.transpose(), b_stored, m, n, k, alpha, beta, c);
  if (transpose_a && transpose_b)
    tiled_product(a_stored.transpose(), b_stored.transpose(), m, n, k, alpha, beta, c);
}

}  // namespace adamite::detail
