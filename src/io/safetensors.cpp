#include "adamite/io/safetensors.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "adamite/detail/regular_file.hpp"
#include "adamite/io/atomic_file.hpp"
#include "safetensors_header.hpp"

namespace adamite::io {
namespace {

using namespace detail;
using Path = std::filesystem::path;

// Tensor data is converted through a buffer of this size, so no dtype needs a full-size copy.
constexpr size_t kChunkBytes = size_t{1} << 16;

std::string os_error(int err) {
  return std::generic_category().message(err);
}

void write_f32(AtomicFile& out, const Tensor& tensor) {
  unsigned char chunk[kChunkBytes];
  const float* values = tensor.data();
  const size_t count = static_cast<size_t>(tensor.numel());
  for (size_t start = 0; start < count; start += kChunkBytes / 4) {
    const size_t n = std::min(kChunkBytes / 4, count - start);
    for (size_t i = 0; i < n; ++i)
      store_le(std::bit_cast<uint32_t>(values[start + i]), chunk + 4 * i);
    out.write(chunk, 4 * n);
  }
}

void read_exact(const Path& file, std::FILE* in, uint64_t offset, void* data, size_t bytes) {
  if (bytes == 0) return;
  errno = 0;
  if (::fseeko(in, static_cast<off_t>(offset), SEEK_SET) != 0 ||
      std::fread(data, 1, bytes, in) != bytes) {
    const int err = errno;
    fail(file, "at byte " + std::to_string(offset) + ": cannot read " + std::to_string(bytes) +
                   " bytes" + (err ? " (" + os_error(err) + ")" : " (file ended early)"));
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

void save_safetensors(const Path& file, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string header = make_header(file, tensors, metadata);
  unsigned char length[kLengthBytes];
  store_le<uint64_t>(header.size(), length);

  try {
    AtomicFile out(file);
    out.write(length, sizeof length);
    out.write(header);
    for (const auto& [name, tensor] : tensors) write_f32(out, tensor);
    out.commit();
  } catch (const AtomicWriteError& e) {
    throw SafetensorsError(std::string("safetensors: ") + e.what());
  }
}

SafetensorsFile load_safetensors(const Path& file) {
  std::string reason;
  const adamite::detail::FilePtr in = adamite::detail::open_regular_file(file, reason);
  if (!in) fail(file, "cannot open: " + reason);
  struct stat info {};
  if (::fstat(::fileno(in.get()), &info) != 0) {
    const int err = errno;
    fail(file, "cannot stat: " + os_error(err));
  }

  // Every size in the header is checked against the real file size before it is trusted.
  const uint64_t file_size = static_cast<uint64_t>(info.st_size);
  if (file_size < kLengthBytes)
    fail(file,
         "file is " + std::to_string(file_size) + " bytes, too short for the 8-byte header length");
  unsigned char length[kLengthBytes];
  read_exact(file, in.get(), 0, length, sizeof length);
  const uint64_t header_size = load_le<uint64_t>(length);
  if (header_size > file_size - kLengthBytes)
    fail(file, "at byte 0: header length " + std::to_string(header_size) + " exceeds the " +
                   std::to_string(file_size - kLengthBytes) + " bytes after it");
  if (header_size > kMaxHeaderBytes)
    fail(file, "at byte 0: header length " + std::to_string(header_size) +
                   " is larger than the 100 MB any real header needs");

  std::string text(header_size, '\0');
  read_exact(file, in.get(), kLengthBytes, text.data(), text.size());
  const Json header = parse_header(file, text);

  const uint64_t buffer_start = kLengthBytes + header_size;
  const uint64_t buffer_size = file_size - buffer_start;
  SafetensorsFile result;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey)
      result.metadata = parse_metadata(file, value);
    else
      entries.push_back(parse_entry(file, name, value, buffer_size));
  }
  check_coverage(file, entries, buffer_start, buffer_size);

  for (const Entry& entry : entries)
    result.tensors.emplace_back(entry.name, read_tensor(file, in.get(), buffer_start, entry));
  return result;
}

}  // namespace adamite::io
