#include "adamite/io/array_file.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <type_traits>

#include "adamite/io/safetensors.hpp"
#include "safetensors_header.hpp"

namespace adamite::io {
namespace {

using namespace detail;

constexpr const char* kChecksumPrefix = "checksum.";
constexpr size_t kChunkBytes = size_t{1} << 16;

// FNV-1a over the elements' bit patterns, one word each: sensitive to every bit and to order,
// and far cheaper than the disk (the multiply chain runs at about a byte a cycle).
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull, kFnvPrime = 0x100000001b3ull;

template <class T>
uint64_t fold(uint64_t hash, const T* values, size_t count) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  for (size_t i = 0; i < count; ++i) hash = (hash ^ std::bit_cast<Bits>(values[i])) * kFnvPrime;
  return hash;
}

std::string hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string quoted(const std::string& name) {
  return "\"" + name + "\"";
}

}  // namespace

void save_arrays(const std::filesystem::path& file, const std::vector<ArrayRef>& arrays,
                 const std::map<std::string, std::string>& metadata) {
  std::map<std::string, std::string> stored = metadata;
  for (const auto& [key, value] : metadata)
    if (key.starts_with(kChecksumPrefix))
      fail(file, "metadata key " + quoted(key) + " is reserved for the arrays' checksums");
  for (const ArrayRef& array : arrays) {
    const size_t count = element_count(array);
    if (array.data == nullptr && count > 0)
      fail(file, "array " + quoted(array.name) + " has " + std::to_string(count) +
                     " elements and no data");
    stored[kChecksumPrefix + array.name] =
        hex(array.f64 ? fold(kFnvOffset, static_cast<const double*>(array.data), count)
                      : fold(kFnvOffset, static_cast<const float*>(array.data), count));
  }
  write_arrays(file, arrays, stored);
}

struct ArrayFile::Impl {
  std::filesystem::path path;
  CheckedFile file;
  std::map<std::string, std::string> metadata, checksums;

  const Entry& entry(const std::string& name) const {
    for (const Entry& e : file.entries)
      if (e.name == name) return e;
    fail(path, "has no array " + quoted(name));
  }

  template <class T>
  void read(const std::string& name, const Shape& shape, T* out) const {
    const Entry& e = entry(name);
    check(e, shape, sizeof(T) == 8);
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    unsigned char chunk[kChunkBytes];
    constexpr size_t per_chunk = kChunkBytes / sizeof(T);
    const size_t count = (e.end - e.begin) / sizeof(T);
    for (size_t start = 0; start < count; start += per_chunk) {
      const size_t n = std::min(per_chunk, count - start);
      read_exact(path, file.in.get(), file.buffer_start + e.begin + start * sizeof(T), chunk,
                 n * sizeof(T));
      for (size_t i = 0; i < n; ++i)
        out[start + i] = std::bit_cast<T>(load_le<Bits>(chunk + sizeof(T) * i));
    }
    const auto stored = checksums.find(name);
    if (stored == checksums.end()) fail(path, "array " + quoted(name) + " has no checksum");
    if (stored->second != hex(fold(kFnvOffset, out, count)))
      fail(path, "array " + quoted(name) + " does not match its checksum (the file is damaged)");
  }

  void check(const Entry& e, const Shape& shape, bool f64) const {
    const char* wanted = f64 ? "F64" : "F32";
    if (std::string(e.dtype->name) != wanted)
      fail(path, "array " + quoted(e.name) + " is " + e.dtype->name + ", expected " + wanted);
    if (!(e.shape == shape))
      fail(path, "array " + quoted(e.name) + " has shape " + to_string(e.shape) + ", expected " +
                     to_string(shape));
  }
};

ArrayFile::ArrayFile(const std::filesystem::path& file) : impl_(std::make_unique<Impl>()) {
  impl_->path = file;
  impl_->file = open_checked(file);
  for (const auto& [key, value] : impl_->file.metadata) {
    if (key.starts_with(kChecksumPrefix))
      impl_->checksums[key.substr(std::string(kChecksumPrefix).size())] = value;
    else
      impl_->metadata[key] = value;
  }
}
ArrayFile::~ArrayFile() = default;

const std::filesystem::path& ArrayFile::path() const {
  return impl_->path;
}
const std::map<std::string, std::string>& ArrayFile::metadata() const {
  return impl_->metadata;
}
bool ArrayFile::contains(const std::string& name) const {
  return std::any_of(impl_->file.entries.begin(), impl_->file.entries.end(),
                     [&](const Entry& e) { return e.name == name; });
}
void ArrayFile::expect(const std::string& name, const Shape& shape, bool f64) const {
  impl_->check(impl_->entry(name), shape, f64);
}
void ArrayFile::read(const std::string& name, const Shape& shape, float* out) const {
  impl_->read(name, shape, out);
}
void ArrayFile::read(const std::string& name, const Shape& shape, double* out) const {
  impl_->read(name, shape, out);
}

}  // namespace adamite::io
