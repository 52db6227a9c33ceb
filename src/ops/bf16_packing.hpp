// bf16 operands rearranged for the matrix units. oneDNN's bf16 kernels (AMX, AVX512-BF16) read B
// of C = A·B in a blocked layout with pairs of neighbouring k side by side (its "BA16a64b2a" and
// kin), and copy a plain B into it at every call; a product cut into row tiles (gemm.hpp) can pack
// B once for all its tiles instead. Internal to src/.
#pragma once

#include <cstdint>

#include "bf16.hpp"

namespace adamite::detail {

// Where B(k, n) goes: tiles of k_block × n_block values, k_stride apart along k and n_stride along
// n; inside a tile, row k/2 of n_block pairs (B(k, n), B(k + 1, n)). Padding, up to padded_k ×
// padded_n, holds zeros.
struct PackedLayout {
  int64_t k_block = 0, n_block = 0;
  int64_t k_stride = 0, n_stride = 0;
  int64_t padded_k = 0, padded_n = 0;
  int64_t elements = 0;  // the packed buffer's length

  int64_t offset(int64_t k, int64_t n) const {
    return k / k_block * k_stride + n / n_block * n_stride + k % k_block / 2 * 2 * n_block +
           n % n_block * 2 + k % 2;
  }
};

// packed = B [k, n] in `layout`, read from b with ldb between stored rows. Threaded over column
// tiles (a copy: the thread count changes no bit). (A B stored transposed keeps the kernel's own
// copy: see gemm_bf16.cpp.)
void pack_b(const PackedLayout& layout, int64_t k, int64_t n, const bf16* b, int64_t ldb,
            bf16* packed);

// to [cols, rows] = from [rows, cols]ᵀ, from's rows ld_from apart; threaded over row blocks.
void transpose(int64_t rows, int64_t cols, const bf16* from, int64_t ld_from, bf16* to);

}  // namespace adamite::detail
