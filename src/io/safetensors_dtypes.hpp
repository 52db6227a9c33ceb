// The element types safetensors files may hold here, and their little-endian coding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace adamite::io::detail {

// Explicit byte-by-byte little-endian coding: correct on any host; compilers turn it into plain
// loads and stores on little-endian ones.
template <class UInt>
UInt load_le(const unsigned char* bytes) {
  UInt value = 0;
  for (size_t i = 0; i < sizeof(UInt); ++i) value |= static_cast<UInt>(bytes[i]) << (8 * i);
  return value;
}

template <class UInt>
void store_le(UInt value, unsigned char* bytes) {
  for (size_t i = 0; i < sizeof(UInt); ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
}

enum class DType { F32, F64, F16, BF16 };

struct DTypeInfo {
  const char* name;  // as in the header: "F32", ...
  DType dtype;
  uint64_t size;  // bytes per element
};

// nullptr for a dtype this reader does not support.
const DTypeInfo* find_dtype(const std::string& name);

// Converts `count` stored elements to float32 (exactly, except F64's rounding).
void decode(DType dtype, const unsigned char* raw, size_t count, float* out);

}  // namespace adamite::io::detail
