// Winograd's kernels with the channels in the vector lanes (the weight gradient's products, and
// F(4x4, 3x3)'s): the zero-bordered image copied channels last, and the input transform read from
// it, kLanes channels of one window at a time. Builds with ADAMITE_SIMD only.
#pragma once

#include <algorithm>
#include <cstdint>

#include "winograd_blocks.hpp"

namespace adamite::detail::winograd {

#ifdef ADAMITE_SIMD
#ifdef __AVX512F__
// r[i][j] becomes r[j][i]: pairs of floats, then of pairs, then 128-bit lanes in two steps.
// Written with the zero-masking forms under a full mask (the same instructions): the plain
// intrinsics pass an "undefined" operand that GCC 12 reports as uninitialised wherever this is
// inlined (GCC bug 105593), and warnings fail CI's build.
inline void transpose(Vec (&r)[16]) {
  constexpr __mmask16 kAll = 0xFFFF;
  Vec t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_maskz_unpacklo_ps(kAll, r[i], r[i + 1]);
    t[i + 1] = _mm512_maskz_unpackhi_ps(kAll, r[i], r[i + 1]);
  }
  // u[4g + e] holds, in 128-bit lane L, column 4L + e of rows 4g..4g + 3.
  Vec u[16];
  for (int g = 0; g < 16; g += 4)
    for (int h = 0; h < 2; ++h) {
      const __m512d a = _mm512_castps_pd(t[g + h]), b = _mm512_castps_pd(t[g + h + 2]);
      u[g + 2 * h] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(0xFF, a, b));
      u[g + 2 * h + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(0xFF, a, b));
    }
  for (int e = 0; e < 4; ++e) {
    const Vec s0 = _mm512_maskz_shuffle_f32x4(kAll, u[e], u[4 + e], 0x88),
              s1 = _mm512_maskz_shuffle_f32x4(kAll, u[e], u[4 + e], 0xDD),
              s2 = _mm512_maskz_shuffle_f32x4(kAll, u[8 + e], u[12 + e], 0x88),
              s3 = _mm512_maskz_shuffle_f32x4(kAll, u[8 + e], u[12 + e], 0xDD);
    r[e] = _mm512_maskz_shuffle_f32x4(kAll, s0, s2, 0x88);
    r[4 + e] = _mm512_maskz_shuffle_f32x4(kAll, s1, s3, 0x88);
    r[8 + e] = _mm512_maskz_shuffle_f32x4(kAll, s0, s2, 0xDD);
    r[12 + e] = _mm512_maskz_shuffle_f32x4(kAll, s1, s3, 0xDD);
  }
}
#else
// The same in AVX2's 8 lanes: pairs of floats, pairs of pairs, then the 128-bit halves.
inline void transpose(Vec (&r)[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int g = 0; g < 8; g += 4)
    for (int h = 0; h < 2; ++h) {
      u[g + 2 * h] = _mm256_shuffle_ps(t[g + h], t[g + h + 2], 0b01000100);
      u[g + 2 * h + 1] = _mm256_shuffle_ps(t[g + h], t[g + h + 2], 0b11101110);
    }
  for (int e = 0; e < 4; ++e) {
    r[e] = _mm256_permute2f128_ps(u[e], u[4 + e], 0x20);
    r[4 + e] = _mm256_permute2f128_ps(u[e], u[4 + e], 0x31);
  }
}
#endif

// The image [c, h, w] inside a zero border of p pixels, channels last: [h + 2p][row][c] with
// row = w + 2p, kLanes channels by kLanes pixels (half as many at the end of a row of 8k) at a
// time. c is a multiple of kLanes.
inline void add_border_channels_last(const Window& window, int64_t row, int64_t p,
                                     const float* image, float* out) {
  const int64_t c = window.c, h = window.h, w = window.w;
  std::fill(out, out + p * row * c, 0.0f);
  std::fill(out + (h + p) * row * c, out + (h + 2 * p) * row * c, 0.0f);
  for (int64_t y = p; y < h + p; ++y) {
    std::fill(out + y * row * c, out + (y * row + p) * c, 0.0f);
    std::fill(out + (y * row + w + p) * c, out + (y + 1) * row * c, 0.0f);
  }
  for (int64_t c0 = 0; c0 < c; c0 += kLanes)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x0 = 0; x0 < w; x0 += kLanes) {
        const int64_t pixels = std::min(kLanes, w - x0);
        Vec r[kLanes];
        for (int i = 0; i < kLanes; ++i) {
          const float* from = image + ((c0 + i) * h + y) * w + x0;
          r[i] = pixels == kLanes ? simd::load(from) : simd::load_low_half(from);
        }
        transpose(r);
        for (int64_t x = 0; x < pixels; ++x)
          simd::store(out + ((y + p) * row + x0 + p + x) * c + c0, r[x]);
      }
}

// V[p][block][c] = Bᵀ d B for each block of T::kOut x T::kOut outputs (its window d, α = T::kAlpha
// wide, starts kOut pixels after the last), kLanes channels at a time; `bordered` is the
// channels-last copy, `row` pixels wide, and the α² planes of V lie v_plane floats apart.
template <class T>
void transform_input_channels_last(const Window& window, int64_t row, int64_t tiles_wide,
                                   int64_t v_plane, const float* bordered, float* v) {
  constexpr int kAlpha = T::kAlpha, kOut = T::kOut;
  const int64_t c = window.c;
  for (int64_t ty = 0; ty < window.h / kOut; ++ty)
    for (int64_t tx = 0; tx < tiles_wide; ++tx) {
      const float* corner = bordered + (kOut * ty * row + kOut * tx) * c;
      float* block = v + (ty * tiles_wide + tx) * c;
      for (int64_t c0 = 0; c0 < c; c0 += kLanes) {
        Vec d[kAlpha][kAlpha];
        for (int i = 0; i < kAlpha; ++i)
          for (int j = 0; j < kAlpha; ++j) d[i][j] = simd::load(corner + (i * row + j) * c + c0);
        T::input(d, [&](int p, Vec x) { simd::store(block + p * v_plane + c0, x); });
      }
    }
}
#endif

}  // namespace adamite::detail::winograd
