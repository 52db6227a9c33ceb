#include "bf16_packing.hpp"

#include <algorithm>
#include <cstring>

namespace adamite::detail {
namespace {

// B(k, n) and B(k + 1, n) as one 32-bit pair, k + 1 < k_total or a zero in its place.
inline uint32_t pair_of(uint16_t first, uint16_t second) {
  return uint32_t(first) | uint32_t(second) << 16;
}

}  // namespace

void pack_b(const PackedLayout& l, int64_t k, int64_t n, const bf16* b, int64_t ldb, bf16* packed) {
  const int64_t n_tiles = l.padded_n / l.n_block, pair_rows = l.padded_k / 2;
  const auto* from = reinterpret_cast<const uint16_t*>(b);
  // One tile column (all of k for n_block values of n) per iteration: the threads write apart.
#pragma omp parallel for schedule(static) if (int64_t{l.padded_k} * l.padded_n >= (1 << 16))
  for (int64_t t = 0; t < n_tiles; ++t) {
    const int64_t n0 = t * l.n_block, width = std::clamp<int64_t>(n - n0, 0, l.n_block);
    for (int64_t p = 0; p < pair_rows; ++p) {
      const int64_t k0 = 2 * p;
      uint32_t* row = reinterpret_cast<uint32_t*>(packed + l.offset(k0, n0));
      const bool both = k0 + 1 < k, first = k0 < k;
      // A pair interleaves two stored rows.
      const uint16_t* even = from + k0 * ldb + n0;
      const uint16_t* odd = from + (k0 + 1) * ldb + n0;
      if (both)
        for (int64_t j = 0; j < width; ++j) row[j] = pair_of(even[j], odd[j]);
      else if (first)
        for (int64_t j = 0; j < width; ++j) row[j] = pair_of(even[j], 0);
      else
        std::fill(row, row + width, 0u);
      std::fill(row + width, row + l.n_block, 0u);
    }
  }
}

void transpose(int64_t rows, int64_t cols, const bf16* from, int64_t ld_from, bf16* to) {
  // Eight source rows at a time, so each column's eight values leave as one 16-byte store (twice
  // as fast as the loops over 32x32 blocks on the MLP's [128, 1000]); threads take whole columns,
  // so each writes rows of `to` of its own.
  constexpr int64_t kRows = 8, kColumns = 256;
  const int64_t column_blocks = (cols + kColumns - 1) / kColumns;
#pragma omp parallel for schedule(static) if (rows * cols >= (1 << 16))
  for (int64_t block = 0; block < column_blocks; ++block) {
    const int64_t c0 = block * kColumns, c1 = std::min(cols, c0 + kColumns);
    int64_t r0 = 0;
    for (; r0 + kRows <= rows; r0 += kRows)
      for (int64_t c = c0; c < c1; ++c) {
        bf16 column[kRows];
        for (int64_t i = 0; i < kRows; ++i) column[i] = from[(r0 + i) * ld_from + c];
        std::memcpy(to + c * rows + r0, column, sizeof column);
      }
    for (; r0 < rows; ++r0)
      for (int64_t c = c0; c < c1; ++c) to[c * rows + r0] = from[r0 * ld_from + c];
  }
}

}  // namespace adamite::detail
