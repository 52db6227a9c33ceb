// B packed once for all row tiles of a bf16 product (src/ops/bf16_packing.hpp): the layout written
// where PackedLayout::offset says, zeros in the padding; the transposed copy of A; and the packed
// products equal, bit for bit, the same tiles run with the kernel copying a plain B itself.
#include <doctest/doctest.h>
#include <omp.h>

#include <vector>

#include "adamite/adamite.hpp"
#include "src/ops/bf16_packing.hpp"
#include "src/ops/gemm.hpp"

using namespace adamite;
using detail::bf16;

namespace {
std::vector<bf16> random_bf16(Generator& gen, int64_t count) {
  std::vector<bf16> values(static_cast<size_t>(count));
  for (bf16& v : values) v = detail::to_bf16(gen.uniform(-1.0f, 1.0f));
  return values;
}
}  // namespace

TEST_CASE("bf16 packing: each value where the layout says, zeros in the padding") {
  Generator gen(31);
  // oneDNN's AMX layout for B [k, n] (BA16a64b2a), and a smaller kin; odd k and n leave padding.
  for (const auto& [k_block, n_block] : {std::pair<int64_t, int64_t>{32, 64}, {4, 8}})
    for (const auto& [k, n] : {std::pair<int64_t, int64_t>{37, 70}, {3, 5}, {64, 128}}) {
      CAPTURE(k_block);
      CAPTURE(k);
      CAPTURE(n);
      detail::PackedLayout l;
      l.k_block = k_block;
      l.n_block = n_block;
      l.padded_k = (k + k_block - 1) / k_block * k_block;
      l.padded_n = (n + n_block - 1) / n_block * n_block;
      l.k_stride = k_block * n_block;
      l.n_stride = l.padded_k * n_block;
      l.elements = l.padded_k * l.padded_n;
      const int64_t ld = n + 3;  // rows stored apart, not back to back
      const std::vector<bf16> b = random_bf16(gen, k * ld);
      std::vector<bf16> packed(size_t(l.elements), detail::to_bf16(99.0f));
      detail::pack_b(l, k, n, b.data(), ld, packed.data());
      std::vector<int> written(packed.size(), 0);
      for (int64_t kk = 0; kk < l.padded_k; ++kk)
        for (int64_t nn = 0; nn < l.padded_n; ++nn) {
          const int64_t at = l.offset(kk, nn);
          ++written[size_t(at)];
          const bool inside = kk < k && nn < n;
          const uint16_t expected = inside ? b[size_t(kk * ld + nn)].bits : 0;
          REQUIRE(packed[size_t(at)].bits == expected);
        }
      for (int count : written) REQUIRE(count == 1);  // the layout is a permutation
    }
}

TEST_CASE("bf16 packing: transpose of a strided matrix, every shape edge") {
  Generator gen(32);
  for (const auto& [rows, cols] :
       {std::pair<int64_t, int64_t>{1, 1}, {7, 3}, {8, 300}, {130, 1000}}) {
    CAPTURE(rows);
    CAPTURE(cols);
    const int64_t ld = cols + 5;
    const std::vector<bf16> from = random_bf16(gen, rows * ld);
    std::vector<bf16> to(size_t(rows * cols));
    detail::transpose(rows, cols, from.data(), ld, to.data());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        REQUIRE(to[size_t(c * rows + r)].bits == from[size_t(r * ld + c)].bits);
  }
}

TEST_CASE("bf16 packing: packed products give the bits of the kernel's own copy, any threads") {
  const std::string why = bf16_unavailable_reason();
  if (!why.empty()) {
    MESSAGE("skipped: " << why);
    return;
  }
  Generator gen(33);
  struct Shape3 {
    bool ta;
    int64_t m, n, k;
  };
  // The paper MLP's input gradient and weight gradients, and shapes with tile remainders.
  for (const Shape3& s : {Shape3{false, 128, 784, 1000}, Shape3{true, 1000, 784, 128},
                          Shape3{true, 200, 300, 37}, Shape3{false, 130, 70, 40}})
    for (const bool accumulate : {false, true}) {
      CAPTURE(s.ta);
      CAPTURE(s.m);
      CAPTURE(s.n);
      CAPTURE(s.k);
      const std::vector<bf16> a = random_bf16(gen, s.m * s.k), b = random_bf16(gen, s.k * s.n);
      std::vector<float> start(size_t(s.m * s.n));
      for (float& v : start) v = gen.uniform(-1.0f, 1.0f);
      // The reference: A made plain by hand, each 64-row tile on the kernel with B as stored.
      std::vector<bf16> plain_a(a.size());
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t p = 0; p < s.k; ++p)
          plain_a[size_t(i * s.k + p)] = a[size_t(s.ta ? p * s.m + i : i * s.k + p)];
      std::vector<float> expected = start;
      for (int64_t r0 = 0; r0 < s.m; r0 += detail::kGemmTileRows)
        detail::gemm_sequential(false, false, std::min(detail::kGemmTileRows, s.m - r0), s.n, s.k,
                                1.0f, plain_a.data() + r0 * s.k, s.k, b.data(), s.n,
                                accumulate ? 1.0f : 0.0f, expected.data() + r0 * s.n, s.n);
      for (const int threads : {1, 2}) {
        CAPTURE(threads);
        std::vector<float> c = start;
        omp_set_num_threads(threads);
        detail::gemm(s.ta, false, s.m, s.n, s.k, 1.0f, a.data(), b.data(), accumulate ? 1.0f : 0.0f,
                     c.data());
        omp_set_num_threads(omp_get_num_procs());
        CHECK(c == expected);
      }
    }
}
