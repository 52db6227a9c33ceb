// `keep ? value : 0` without a branch, for elementwise loops that must vectorize.
//
// Written as a conditional, GCC moves the multiply that computes `value` into the branch and then
// will not if-convert it (a multiply might trap), so the loop stays scalar and mispredicts
// whenever `keep` is random (ReLU's signs, dropout's mask): a fifth of a ResNet-20 step went there.
// The bits are those of the conditional: `value` or +0.
#pragma once

#include <bit>
#include <cstdint>

namespace adamite::detail {

inline float keep_or_zero(bool keep, float value) {
  return std::bit_cast<float>(std::bit_cast<uint32_t>(value) & (0u - static_cast<uint32_t>(keep)));
}

}  // namespace adamite::detail
