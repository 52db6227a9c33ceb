// The float vector that Winograd's kernels are written in: AVX-512's 16 lanes, or AVX2's 8 with
// FMA (Zen 2 and 3, Intel before Skylake-SP). ADAMITE_SIMD is defined where there is one;
// elsewhere those kernels are left out and their callers take the im2col road. Arithmetic on Vec is
// GCC's vector arithmetic (a + b, 2.0f * a).
#pragma once

#include <cstdint>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#define ADAMITE_SIMD 1
#endif

namespace adamite::detail::simd {

#if defined(__AVX512F__)
using Vec = __m512;
constexpr int64_t kLanes = 16;
inline Vec load(const float* p) {
  return _mm512_loadu_ps(p);
}
inline void store(float* p, Vec v) {
  _mm512_storeu_ps(p, v);
}
inline Vec broadcast(float x) {
  return _mm512_set1_ps(x);
}
inline Vec zero() {
  return _mm512_setzero_ps();
}
inline Vec fmadd(Vec a, Vec b, Vec c) {
  return _mm512_fmadd_ps(a, b, c);
}
// The first kLanes / 2 floats at p, zeros above.
inline Vec load_low_half(const float* p) {
  return _mm512_zextps256_ps512(_mm256_loadu_ps(p));
}
#elif defined(ADAMITE_SIMD)
using Vec = __m256;
constexpr int64_t kLanes = 8;
inline Vec load(const float* p) {
  return _mm256_loadu_ps(p);
}
inline void store(float* p, Vec v) {
  _mm256_storeu_ps(p, v);
}
inline Vec broadcast(float x) {
  return _mm256_set1_ps(x);
}
inline Vec zero() {
  return _mm256_setzero_ps();
}
inline Vec fmadd(Vec a, Vec b, Vec c) {
  return _mm256_fmadd_ps(a, b, c);
}
inline Vec load_low_half(const float* p) {
  return _mm256_zextps128_ps256(_mm_loadu_ps(p));
}
#endif

}  // namespace adamite::detail::simd
