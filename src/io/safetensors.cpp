#include "adamite/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <type_traits>

#include "adamite/io/atomic_file.hpp"
#include "safetensors_header.hpp"

namespace adamite::io {
namespace detail {
namespace {

using Path = std::filesystem::path;

// Data is converted through a buffer of this size, so no array needs a full-size copy.
constexpr size_t kChunkBytes = size_t{1} << 16;

template <class T>
void write_le(AtomicFile& out, const T* values, size_t count) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  unsigned char chunk[kChunkBytes];
  constexpr size_t per_chunk = kChunkBytes / sizeof(T);
  for (size_t start = 0; start < count; start += per_chunk) {
    const size_t n = std::min(per_chunk, count - start);
    for (size_t i = 0; i < n; ++i)
      store_le(std::bit_cast<Bits>(values[start + i]), chunk + sizeof(T) * i);
    out.write(chunk, sizeof(T) * n);
  }
}

Tensor read_tensor(const Path& file, std::FILE* in, uint64_t buffer_start, const Entry& entry) {
  Tensor tensor = Tensor::empty(entry.shape);
  float* out = tensor.data();
  const size_t size = entry.dtype->size;
  const size_t per_chunk = kChunkBytes / size;
  unsigned char chunk[kChunkBytes];
  const size_t count = static_cast<size_t>(tensor.numel());
  for (size_t start = 0; start < count; start += per_chunk) {
    const size_t n = std::min(per_chunk, count - start);
    read_exact(file, in, buffer_start + entry.begin + start * size, chunk, n * size);
    decode(entry.dtype->dtype, chunk, n, out + start);
  }
  return tensor;
}

}  // namespace

void write_arrays(const Path& file, const std::vector<ArrayRef>& arrays,
                  const std::map<std::string, std::string>& metadata) {
  std::vector<Planned> planned;
  for (const ArrayRef& array : arrays)
    planned.push_back({array.name, array.f64 ? "F64" : "F32", array.shape,
                       uint64_t(element_count(array)) * (array.f64 ? 8 : 4)});
  const std::string header = make_header(file, planned, metadata);
  unsigned char length[kLengthBytes];
  store_le<uint64_t>(header.size(), length);
  try {
    AtomicFile out(file);
    out.write(length, sizeof length);
    out.write(header);
    for (const ArrayRef& array : arrays) {
      if (array.f64)
        write_le(out, static_cast<const double*>(array.data), element_count(array));
      else
        write_le(out, static_cast<const float*>(array.data), element_count(array));
    }
    out.commit();
  } catch (const AtomicWriteError& e) {
    throw SafetensorsError(std::string("safetensors: ") + e.what());
  }
}

}  // namespace detail

void save_safetensors(const std::filesystem::path& file,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<ArrayRef> arrays;
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.defined()) detail::fail(file, "tensor \"" + name + "\" is undefined");
    arrays.push_back(array_ref(name, tensor.shape(), tensor.data()));
  }
  detail::write_arrays(file, arrays, metadata);
}

SafetensorsFile load_safetensors(const std::filesystem::path& file) {
  detail::CheckedFile checked = detail::open_checked(file);
  SafetensorsFile result;
  result.metadata = std::move(checked.metadata);
  for (const detail::Entry& entry : checked.entries)
    result.tensors.emplace_back(
        entry.name, detail::read_tensor(file, checked.in.get(), checked.buffer_start, entry));
  return result;
}

}  // namespace adamite::io
