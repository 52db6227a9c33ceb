// exp and log1p as branch-free inline arithmetic, so that the pointwise loops using them
// vectorise: glibc's expf and log1pf are calls, one element at a time (softplus's were 40% of a
// VAE step). Within about 1 ulp of the exact values (tests/test_branch_free_math.cpp: 0.90 and 1.01
// at worst over dense sweeps; softplus built on them 2.4, glibc's composition 1.5); element by
// element, so threads never change a bit. Internal to src/ops.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>

#include "select.hpp"

namespace adamite::detail {

// e^x for any float: +inf above 88.72, 0 (through the denormals) below −103.97, NaN for NaN.
inline float exp_branch_free(float x) {
  // x = k·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 in two parts, so r is exact to float), then
  // e^x = 2^k · e^r, e^r by its Taylor series to r⁷ (the r⁸ term is under 5e-9 of e^r).
  constexpr float kLog2e = 1.44269504f, kLn2Hi = 0.693145752f, kLn2Lo = 1.42860677e-6f;
  constexpr float kRound = 12582912.0f;  // 1.5·2²³: adding it rounds to an integer
  const float clamped = std::clamp(x, -104.0f, 89.0f);
  const float shifted = clamped * kLog2e + kRound;
  const float k = shifted - kRound;
  const float r = (clamped - k * kLn2Hi) - k * kLn2Lo;
  float p = 1.0f / 5040;
  for (const float c : {1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f})
    p = p * r + c;
  // 2^k in two factors, each a normal float for k in [−150, 128], so results that are
  // denormal come out right too.
  const auto ki = int32_t(std::bit_cast<uint32_t>(shifted) - std::bit_cast<uint32_t>(kRound));
  const int32_t half = ki / 2;
  const float scale1 = std::bit_cast<float>(uint32_t(half + 127) << 23);
  const float scale2 = std::bit_cast<float>(uint32_t(ki - half + 127) << 23);
  return select(x > 88.7228394f, std::numeric_limits<float>::infinity(), p * scale1 * scale2);
}

// log(1 + t) for t ≥ 0 (+inf gives +inf), accurate for tiny t as well.
inline float log1p_nonnegative_branch_free(float t) {
  // log(1 + t) = e·ln 2 + log(m) with 1 + t = m·2^e, m in [√½, √2), and log(m) = 2·atanh(s),
  // s = (m − 1)/(m + 1), |s| < 0.172, by its series to s¹³. Below t = √2 − 1 (e = 0) s is
  // t/(2 + t), from t itself; above, u = 1 + t is rounded, and (t − (u − 1))/u puts back what
  // the rounding lost (fdlibm's way).
  const float u = 1.0f + t;
  const uint32_t bits = std::bit_cast<uint32_t>(u);
  const auto upper = uint32_t((bits & 0x7fffffu) > 0x3504f3u);  // mantissa over √2: m/2, e + 1
  const auto e = float(int32_t(bits >> 23) - 127 + int32_t(upper));
  const float m = std::bit_cast<float>((bits & 0x7fffffu) | (0x3f800000u - (upper << 23)));
  const bool small = e == 0.0f;
  const float s = select(small, t / (2.0f + t), (m - 1.0f) / (m + 1.0f)), s2 = s * s;
  // 2·atanh(s) = 2s + 2s·s²·(1/3 + s²/5 + …): 2s exact, the rest under 1% of it, so the sum
  // rounds little more than the quotient s did.
  float q = 1.0f / 13;
  for (const float c : {1.0f / 11, 1.0f / 9, 1.0f / 7, 1.0f / 5, 1.0f / 3}) q = q * s2 + c;
  const float two_s = 2.0f * s, tail = two_s * s2 * q;
  const float correction = select(small, 0.0f, (t - (u - 1.0f)) / u);
  constexpr float kLn2Hi = 0.693145752f, kLn2Lo = 1.42860677e-6f;
  const float result = e * kLn2Hi + (two_s + (tail + (e * kLn2Lo + correction)));
  return select(t == std::numeric_limits<float>::infinity(), t, result);
}

}  // namespace adamite::detail
