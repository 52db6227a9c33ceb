// Shared by the safetensors tests: hand-built files (independent of the writer), file bytes,
// and the checks both files make.
#pragma once

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "adamite/io/array_file.hpp"
#include "adamite/io/safetensors.hpp"
#include "adamite/nn/activation.hpp"
#include "adamite/nn/linear.hpp"
#include "adamite/nn/sequential.hpp"
#include "support.hpp"

namespace adamite::testing::safetensors {

namespace fs = std::filesystem;
using Named = std::vector<std::pair<std::string, Tensor>>;

// --- hand-built files, independent of the writer ---

inline std::string le_bytes(uint64_t value, int width) {
  std::string out;
  for (int i = 0; i < width; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// Little-endian bytes of raw bit patterns (32-bit for F32, 16-bit for F16/BF16, ...).
inline std::string raw(std::initializer_list<uint64_t> bits, int width) {
  std::string out;
  for (uint64_t b : bits) out += le_bytes(b, width);
  return out;
}

inline uint64_t header_length(const std::string& file_bytes) {
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = length << 8 | static_cast<unsigned char>(file_bytes[i]);
  return length;
}

// length prefix + header + data buffer
inline std::string build_file(const std::string& header, const std::string& data) {
  return le_bytes(header.size(), 8) + header + data;
}

inline void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

inline std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::vector<std::string> folder_entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The message of the SafetensorsError `action` throws; any other outcome fails the test.
template <class F>
inline std::string error_of(F&& action) {
  try {
    action();
  } catch (const io::SafetensorsError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("expected a SafetensorsError, got: " << e.what());
    return e.what();
  }
  FAIL_CHECK("expected a SafetensorsError, nothing was thrown");
  return {};
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Bit-exact comparison, so NaN, -0 and subnormals count as equal only to themselves.
inline bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.numel())) == 0;
}

inline Tensor ramp(const Shape& shape, float start, float step) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = start + step * static_cast<float>(i);
  return t;
}

inline void build_mlp(nn::Sequential& net, Generator& generator) {
  net.add<nn::Linear>(3, 4, true, generator);
  net.add<nn::ReLU>();
  net.add<nn::Linear>(4, 2, true, generator);
}

inline std::vector<std::vector<float>> values_of(const nn::Module& module) {
  std::vector<std::vector<float>> values;
  for (const auto& [name, p] : module.named_parameters()) values.push_back(p.to_vector());
  return values;
}

}  // namespace adamite::testing::safetensors
