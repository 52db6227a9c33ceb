// bfloat16 values for the mixed-precision products (adamite/precision.hpp): the top 16 bits of
// an fp32, so conversion back is a shift and conversion to it a rounding. Internal to src/.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

namespace adamite::detail {

// A distinct type, so a bf16 buffer cannot be passed where floats are meant.
struct bf16 {
  uint16_t bits;
};

// Round to nearest, ties to even (as the hardware's conversions do); NaN stays NaN. Branch-free,
// so conversion loops vectorise.
inline bf16 to_bf16(float value) {
  uint32_t u;
  std::memcpy(&u, &value, sizeof u);
  const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
  return bf16{uint16_t(nan ? (u >> 16) | 0x40u : rounded)};
}

inline float to_float(bf16 value) {
  const uint32_t u = uint32_t(value.bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// to[i] = to_bf16(from[i]); threaded over fixed ranges for large counts (each value's rounding
// is its own, so the thread count cannot change a bit).
void convert_to_bf16(const float* from, int64_t count, bf16* to);

// Pooled, 64-byte aligned, uninitialised storage for `count` bf16 values.
std::shared_ptr<bf16[]> allocate_bf16_storage(int64_t count);

// A pooled bf16 copy of `count` floats.
std::shared_ptr<bf16[]> bf16_copy(const float* from, int64_t count);

}  // namespace adamite::detail
