// `condition ? a : b` without a branch, for elementwise loops that must vectorize.
//
// Written as a conditional, GCC moves the multiply that computes `a` or `b` into the branch and
// then will not if-convert it (a multiply might trap), so the loop stays scalar and mispredicts
// whenever the condition is random (ReLU's signs, dropout's mask): a fifth of a ResNet-20 step
// went there. Both are computed, then one is kept by a bit mask: the conditional's bits.
#pragma once

#include <bit>
#include <cstdint>

namespace adamite::detail {

inline float select(bool condition, float a, float b) {
  const uint32_t mask = 0u - static_cast<uint32_t>(condition);
  return std::bit_cast<float>((std::bit_cast<uint32_t>(a) & mask) |
                              (std::bit_cast<uint32_t>(b) & ~mask));
}

}  // namespace adamite::detail
