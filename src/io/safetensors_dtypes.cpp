#include "safetensors_dtypes.hpp"

#include <bit>
#include <cmath>

namespace adamite::io::detail {
namespace {

constexpr DTypeInfo kDTypes[] = {{"F32", DType::F32, 4},
                                 {"F64", DType::F64, 8},
                                 {"F16", DType::F16, 2},
                                 {"BF16", DType::BF16, 2}};

// IEEE half → float, exact for every value (subnormals, infinities, NaN payloads included).
float half_to_float(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu;
  const uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa · 2⁻²⁴
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

}  // namespace

const DTypeInfo* find_dtype(const std::string& name) {
  for (const DTypeInfo& info : kDTypes)
    if (name == info.name) return &info;
  return nullptr;
}

void decode(DType dtype, const unsigned char* raw, size_t count, float* out) {
  switch (dtype) {
    case DType::F32:
      for (size_t i = 0; i < count; ++i)
        out[i] = std::bit_cast<float>(load_le<uint32_t>(raw + 4 * i));
      break;
    case DType::F64:
      for (size_t i = 0; i < count; ++i)
        out[i] = static_cast<float>(std::bit_cast<double>(load_le<uint64_t>(raw + 8 * i)));
      break;
    case DType::F16:
      for (size_t i = 0; i < count; ++i) out[i] = half_to_float(load_le<uint16_t>(raw + 2 * i));
      break;
    case DType::BF16:  // bfloat16 is the top half of a float32
      for (size_t i = 0; i < count; ++i)
        out[i] = std::bit_cast<float>(static_cast<uint32_t>(load_le<uint16_t>(raw + 2 * i)) << 16);
      break;
  }
}

}  // namespace adamite::io::detail
