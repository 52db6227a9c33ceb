// What Winograd's kernels share (winograd.cpp, winograd_weight_gradient.cpp):
// the transforms of kLanes blocks at once, one per lane, and the loads and stores of kLanes
// consecutive 2x2 blocks of an image plane (the transforms and loads in builds with
// ADAMITE_SIMD only: AVX-512's 16 lanes or AVX2's 8).
#pragma once

#include <cstdint>
#include <type_traits>

#include "simd.hpp"

namespace adamite::detail::winograd {

#ifdef ADAMITE_SIMD
using simd::kLanes;  // 2x2 blocks per vector
using simd::Vec;
#else
constexpr int64_t kLanes = 16;
#endif
constexpr int64_t kPoints = 16;  // the 4x4 transform positions of F(2x2, 3x3)

// Of k output channels in AVX2's register tiles of 6 rows, how many go by 6: where 6 does not
// divide k, the last 6 − k % 6 tiles take 5 rows (16 = 6 + 2·5, 32 = 2·6 + 4·5, 64 = 9·6 + 2·5),
// nearly as fast as 6 (Zen 2, GFLOP/s: 6x2 88, 5x2 84), where one short tile of 4 or 2 rows runs
// at half the speed (4x2 44, 2x2 34); too few channels for that: the remainder in one tile.
constexpr int64_t channels_by_six(int64_t k) {
  const int64_t fives = (6 - k % 6) % 6;
  return k >= 5 * fives ? k - 5 * fives : k - k % 6;
}
// Floats between the 16 transformed planes: planes a multiple of 4 KiB apart made the stores of
// one block's 16 values collide in the same L1 sets (the transforms ran 2x slower).
constexpr int64_t kPlaneGap = 64;

#ifdef ADAMITE_SIMD
// Bᵀ d B of one 4x4 window d (rows d0..d3): the input transform, Bᵀ = [1 0 −1 0; 0 1 1 0;
// 0 −1 1 0; 0 1 0 −1]. T is Vec, one block per lane, in GCC's vector arithmetic (a + b);
// out(p, value) stores position p.
// Both are inlined by force: called with arrays of 16 vectors, a call would pass them on the stack.
template <class T, class Out>
[[gnu::always_inline]] inline void input_transform(const T (&d)[4][4], Out out) {
  T t[4][4];
  for (int j = 0; j < 4; ++j) {
    t[0][j] = d[0][j] - d[2][j];
    t[1][j] = d[1][j] + d[2][j];
    t[2][j] = d[2][j] - d[1][j];
    t[3][j] = d[1][j] - d[3][j];
  }
  for (int i = 0; i < 4; ++i) {
    out(i * 4 + 0, t[i][0] - t[i][2]);
    out(i * 4 + 1, t[i][1] + t[i][2]);
    out(i * 4 + 2, t[i][2] - t[i][1]);
    out(i * 4 + 3, t[i][1] - t[i][3]);
  }
}

// Aᵀ m A of one block's 16 products: the output transform, Aᵀ = [1 1 1 0; 0 1 −1 −1].
template <class T>
[[gnu::always_inline]] inline void output_transform(const T (&m)[kPoints], T (&y)[2][2]) {
  T t[2][4];
  for (int j = 0; j < 4; ++j) {
    t[0][j] = m[j] + m[4 + j] + m[8 + j];
    t[1][j] = m[4 + j] - m[8 + j] - m[12 + j];
  }
  for (int i = 0; i < 2; ++i) {
    y[i][0] = t[i][0] + t[i][1] + t[i][2];
    y[i][1] = t[i][1] - t[i][2] - t[i][3];
  }
}

#endif

// A vector's blocks are consecutive (row by row) and a row of blocks holds a multiple of 4. A
// "half" is the floats of one pixel row of half a vector's blocks (two per block), loaded at once
// and split into the blocks' two columns by deinterleave. With 8 lanes a half is 4 blocks, always
// in one row. With 16 lanes it is 8: in one row of blocks, or (`Quarters`, rows of 4 blocks) 4
// from each of two rows.
constexpr int kGroups = kLanes / 8;  // runs of 4 blocks in a half

// Steps through the blocks 4 at a time, giving the 2x2 corners of the next vector's blocks as
// positions in a plane `row` floats wide, a half's runs of 4 in `first` and `second`.
struct Corners {
  int64_t tiles_wide, row, ty = 0, tx = 0;
  int64_t next() {
    const int64_t at = 2 * ty * row + 2 * tx;
    tx += 4;
    if (tx == tiles_wide) tx = 0, ++ty;
    return at;
  }
  void next_vector(int64_t (&first)[kGroups], int64_t (&second)[kGroups]) {
    for (auto& at : first) at = next();
    for (auto& at : second) at = next();
  }
};

#ifdef ADAMITE_SIMD
#ifdef __AVX512F__
// The 16 floats of blocks t..t+7 from `plane`, where `at[0]` is block t's position and `at[1]`
// block t+4's, plus `offset`.
template <bool Quarters>
inline Vec load_half(const float* plane, const int64_t (&at)[kGroups], int64_t offset) {
  if constexpr (Quarters)
    return _mm512_castpd_ps(_mm512_insertf64x4(
        _mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(plane + at[0] + offset))),
        _mm256_castps_pd(_mm256_loadu_ps(plane + at[1] + offset)), 1));
  else
    return _mm512_loadu_ps(plane + at[0] + offset);
}

template <bool Quarters>
inline void store_half(float* plane, const int64_t (&at)[kGroups], int64_t offset, Vec x,
                       bool accumulate) {
  if (accumulate) x += load_half<Quarters>(plane, at, offset);
  if constexpr (Quarters) {
    _mm256_storeu_ps(plane + at[0] + offset, _mm512_castps512_ps256(x));
    _mm256_storeu_ps(plane + at[1] + offset,
                     _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
  } else {
    _mm512_storeu_ps(plane + at[0] + offset, x);
  }
}

// The even and odd floats of 32 pixels, 16 from `a` and 16 from `b`: of one row of 16 blocks'
// 2x2 corners, their columns 0 and 1.
inline void deinterleave(Vec a, Vec b, Vec& even, Vec& odd) {
  const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  even = _mm512_permutex2var_ps(a, evens, b);
  odd = _mm512_permutex2var_ps(a, _mm512_add_epi32(evens, _mm512_set1_epi32(1)), b);
}

// deinterleave's inverse: the blocks' columns 0 (`left`) and 1 (`right`) as the pixels of the
// first half's blocks (`first`) and the second's.
inline void interleave(Vec left, Vec right, Vec& first, Vec& second) {
  const __m512i low = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i high =
      _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  first = _mm512_permutex2var_ps(left, low, right);
  second = _mm512_permutex2var_ps(left, high, right);
}

// Calls body(std::true_type()) for rows of 4 blocks, else body(std::false_type()).
template <class Body>
inline void by_row_shape(int64_t tiles_wide, Body body) {
  if (tiles_wide % 8 != 0)
    body(std::true_type());
  else
    body(std::false_type());
}
#else
// AVX2: a half is 4 blocks, 8 consecutive floats.
template <bool Quarters>
inline Vec load_half(const float* plane, const int64_t (&at)[kGroups], int64_t offset) {
  static_assert(!Quarters);
  return _mm256_loadu_ps(plane + at[0] + offset);
}

template <bool Quarters>
inline void store_half(float* plane, const int64_t (&at)[kGroups], int64_t offset, Vec x,
                       bool accumulate) {
  if (accumulate) x += load_half<Quarters>(plane, at, offset);
  _mm256_storeu_ps(plane + at[0] + offset, x);
}

// Even and odd floats of a and b within each 128-bit lane, then the lanes' 64-bit halves in
// order: a0 a2 a4 a6 b0 b2 b4 b6.
inline void deinterleave(Vec a, Vec b, Vec& even, Vec& odd) {
  const auto order = [](__m256 x) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(x), 0b11011000));
  };
  even = order(_mm256_shuffle_ps(a, b, 0b10001000));
  odd = order(_mm256_shuffle_ps(a, b, 0b11011101));
}

inline void interleave(Vec left, Vec right, Vec& first, Vec& second) {
  const __m256 low = _mm256_unpacklo_ps(left, right);   // blocks 0, 1 | 4, 5
  const __m256 high = _mm256_unpackhi_ps(left, right);  // blocks 2, 3 | 6, 7
  first = _mm256_permute2f128_ps(low, high, 0x20);
  second = _mm256_permute2f128_ps(low, high, 0x31);
}

template <class Body>
inline void by_row_shape(int64_t, Body body) {
  body(std::false_type());
}
#endif

// out[i] = Σ_k mat[i][k]·in[k] for a constant matrix: the branches on its entries fold away, so
// zeros cost nothing and ±1 are an addition.
template <int Rows, int K>
[[gnu::always_inline]] inline void apply(const float (&mat)[Rows][K], const Vec (&in)[K],
                                         Vec (&out)[Rows]) {
#pragma GCC unroll 8
  for (int i = 0; i < Rows; ++i) {
    Vec sum = simd::zero();
#pragma GCC unroll 8
    for (int k = 0; k < K; ++k)
      if (mat[i][k] == 1.0f)
        sum += in[k];
      else if (mat[i][k] == -1.0f)
        sum -= in[k];
      else if (mat[i][k] != 0.0f)
        sum += mat[i][k] * in[k];
    out[i] = sum;
  }
}

// M d Mᵀ for a constant M: M on the columns of d, then on the rows; out(i, j, value).
template <int Rows, int K, class Out>
inline void both_sides(const float (&m)[Rows][K], const Vec (&d)[K][K], Out out) {
  Vec e[Rows][K];
  for (int j = 0; j < K; ++j) {
    Vec column[K], result[Rows];
    for (int i = 0; i < K; ++i) column[i] = d[i][j];
    apply(m, column, result);
    for (int i = 0; i < Rows; ++i) e[i][j] = result[i];
  }
  for (int i = 0; i < Rows; ++i) {
    Vec result[Rows];
    apply(m, e[i], result);
    for (int j = 0; j < Rows; ++j) out(i, j, result[j]);
  }
}

// The register tile of both Winograd products: out[o][kLanes·j..] (+)= Σ_r x_r[kLanes·j..]·w(o, r)
// over r < depth, in order, for `Rows` rows o of `Vectors` vectors; x_r starts at x + r·x_step and
// w(o, r) is at w + o·w_row + r·w_step. The first `rows_out` rows are stored, `out_row` apart.
// Kept out of line: inlined into its callers, the 8x8 layers' products ran 18% slower (AVX-512).
template <int Rows, int Vectors>
[[gnu::noinline]] void tile_product(const float* x, int64_t x_step, const float* w, int64_t w_row,
                                    int64_t w_step, int64_t depth, float* out, int64_t out_row,
                                    int64_t rows_out, bool accumulate) {
  Vec sum[Rows][Vectors];
  for (int o = 0; o < Rows; ++o)
    for (int j = 0; j < Vectors; ++j)
      sum[o][j] =
          accumulate && o < rows_out ? simd::load(out + o * out_row + j * kLanes) : simd::zero();
  for (int64_t r = 0; r < depth; ++r) {
    Vec in[Vectors];
    for (int j = 0; j < Vectors; ++j) in[j] = simd::load(x + r * x_step + j * kLanes);
#pragma GCC unroll 16
    for (int o = 0; o < Rows; ++o) {
      const Vec weight = simd::broadcast(w[o * w_row + r * w_step]);
      for (int j = 0; j < Vectors; ++j) sum[o][j] = simd::fmadd(in[j], weight, sum[o][j]);
    }
  }
  for (int o = 0; o < rows_out; ++o)
    for (int j = 0; j < Vectors; ++j) simd::store(out + o * out_row + j * kLanes, sum[o][j]);
}
#endif

// F(2x2, R x R): each 2x2 block of outputs from an α x α input window, α = R + 1. The constants
// are here for every build; the transforms of kLanes blocks (ADAMITE_SIMD builds) are the
// input's Bᵀ d B, the output's Aᵀ m A, and the weight gradient's A dY Aᵀ.
template <int R>
struct Tile;

// Points 0, 1, −1, ∞: transforms of zeros and ±1, written out above.
template <>
struct Tile<3> {
  static constexpr int kAlpha = 4, kOut = 2;
  using Scalar = float;  // of the weight transforms: G's entries are exact in float
  static constexpr Scalar kG[4][3] = {
      {1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
#ifdef ADAMITE_SIMD
  template <class Out>
  static void input(const Vec (&d)[4][4], Out out) {
    input_transform(d, out);
  }
  static void output(const Vec (&m)[16], Vec (&y)[2][2]) {
    output_transform(m, y);
  }
  // A = [1 0; 1 1; 1 −1; 0 −1].
  static void gradient(const Vec (&dy)[2][2], Vec (&g)[16]) {
    Vec t[4][2];
    for (int j = 0; j < 2; ++j) {
      t[0][j] = dy[0][j];
      t[1][j] = dy[0][j] + dy[1][j];
      t[2][j] = dy[0][j] - dy[1][j];
      t[3][j] = -dy[1][j];
    }
    for (int i = 0; i < 4; ++i) {
      g[i * 4 + 0] = t[i][0];
      g[i * 4 + 1] = t[i][0] + t[i][1];
      g[i * 4 + 2] = t[i][0] - t[i][1];
      g[i * 4 + 3] = -t[i][1];
    }
  }
#endif
};

// Points 0, 1, −1, 2, −½, ∞: of three sets tried, the smallest error in fp32 (about 5e-6 of a
// 64-channel sum's scale, against 1e-5 for 0, ±1, ±2). G has thirds and fifteenths: the weight
// transforms run in double.
template <>
struct Tile<5> {
  static constexpr int kAlpha = 6, kOut = 2;
  using Scalar = double;
  static constexpr Scalar kG[6][5] = {{1, 0, 0, 0, 0},
                                      {-1. / 3, -1. / 3, -1. / 3, -1. / 3, -1. / 3},
                                      {1. / 3, -1. / 3, 1. / 3, -1. / 3, 1. / 3},
                                      {1. / 15, 2. / 15, 4. / 15, 8. / 15, 16. / 15},
                                      {-16. / 15, 8. / 15, -4. / 15, 2. / 15, -1. / 15},
                                      {0, 0, 0, 0, 1}};
  static constexpr float kBt[6][6] = {{1, 1.5f, -2, -1.5f, 1, 0}, {0, -1, -2.5f, -0.5f, 1, 0},
                                      {0, 1, 0.5f, -2.5f, 1, 0},  {0, -0.5f, -1, 0.5f, 1, 0},
                                      {0, 2, -1, -2, 1, 0},       {0, 1, 1.5f, -2, -1.5f, 1}};
  static constexpr float kAt[2][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -0.5f, 1}};
  static constexpr float kA[6][2] = {{1, 0}, {1, 1}, {1, -1}, {1, 2}, {1, -0.5f}, {0, 1}};
#ifdef ADAMITE_SIMD
  template <class Out>
  static void input(const Vec (&d)[6][6], Out out) {
    both_sides(kBt, d, [&](int i, int j, Vec x) { out(i * 6 + j, x); });
  }
  static void output(const Vec (&m)[36], Vec (&y)[2][2]) {
    Vec square[6][6];
    for (int p = 0; p < 36; ++p) square[p / 6][p % 6] = m[p];
    both_sides(kAt, square, [&](int i, int j, Vec x) { y[i][j] = x; });
  }
  static void gradient(const Vec (&dy)[2][2], Vec (&g)[36]) {
    both_sides(kA, dy, [&](int i, int j, Vec x) { g[i * 6 + j] = x; });
  }
#endif
};

// F(4x4, 3x3) (winograd4x4.cpp): each 4x4 block of outputs from a 6x6 window, 36 products per
// block and channel pair where a direct sum does 144 (F(2x2, 3x3): 64). Points 0, ±1, ±2, ∞
// (Lavin & Gray's). G has sixths and 24ths: the weight transforms run in double.
struct Tile4x4 {
  static constexpr int kAlpha = 6, kOut = 4;
  using Scalar = double;
  static constexpr Scalar kG[6][3] = {{1. / 4, 0, 0},
                                      {-1. / 6, -1. / 6, -1. / 6},
                                      {-1. / 6, 1. / 6, -1. / 6},
                                      {1. / 24, 1. / 12, 1. / 6},
                                      {1. / 24, -1. / 12, 1. / 6},
                                      {0, 0, 1}};
  static constexpr float kBt[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0},
                                      {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0},
                                      {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static constexpr float kAt[4][6] = {
      {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
  static constexpr float kA[6][4] = {{1, 0, 0, 0}, {1, 1, 1, 1},   {1, -1, 1, -1},
                                     {1, 2, 4, 8}, {1, -2, 4, -8}, {0, 0, 0, 1}};
#ifdef ADAMITE_SIMD
  template <class Out>
  static void input(const Vec (&d)[6][6], Out out) {
    both_sides(kBt, d, [&](int i, int j, Vec x) { out(i * 6 + j, x); });
  }
  static void output(const Vec (&m)[6][6], Vec (&y)[4][4]) {
    both_sides(kAt, m, [&](int i, int j, Vec x) { y[i][j] = x; });
  }
  // The weight gradient's A dY Aᵀ of one 4x4 block of the output gradient.
  static void gradient(const Vec (&dy)[4][4], Vec (&g)[36]) {
    both_sides(kA, dy, [&](int i, int j, Vec x) { g[i * 6 + j] = x; });
  }
#endif
};

}  // namespace adamite::detail::winograd
