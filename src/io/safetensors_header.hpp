// The JSON header of a safetensors file: built for writing, and validated entry by entry for
// reading, so that every size used afterwards is known to fit in the file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "adamite/detail/regular_file.hpp"
#include "adamite/io/array_file.hpp"
#include "adamite/shape.hpp"
#include "safetensors_dtypes.hpp"

namespace adamite::io::detail {

// Keeps keys in insertion order, so the writer puts "__metadata__" first and the tensors in the
// caller's order (as the reference writer does), and the reader sees the header's own order.
using Json = nlohmann::ordered_json;

inline constexpr const char* kMetadataKey = "__metadata__";
inline constexpr uint64_t kLengthBytes = 8;
// The reference implementation refuses larger headers too; a real one is a few kilobytes.
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// Throws SafetensorsError "safetensors: <file>: <what>".
[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what);

// One array to be written: its name, dtype ("F32", "F64"), shape and byte size.
struct Planned {
  std::string name;
  const char* dtype;
  Shape shape;
  uint64_t bytes;
};

// The complete header text, the arrays stored in the given order, padded with spaces so the data
// starts 8-byte aligned. Validates the names, so a bad call fails before anything touches the disk.
std::string make_header(const std::filesystem::path& file, const std::vector<Planned>& arrays,
                        const std::map<std::string, std::string>& metadata);

// One validated header entry.
struct Entry {
  std::string name;
  const DTypeInfo* dtype;
  Shape shape;
  uint64_t begin, end;  // relative to the start of the data buffer
};

// The header object; rejects invalid JSON, a non-object and a repeated tensor name.
Json parse_header(const std::filesystem::path& file, const std::string& text);
std::map<std::string, std::string> parse_metadata(const std::filesystem::path& file,
                                                  const Json& json);
// Checks one tensor's entry against the JSON types, the dtype table and the buffer size.
Entry parse_entry(const std::filesystem::path& file, const std::string& name, const Json& info,
                  uint64_t buffer_size);
// The format requires the tensors to tile the data buffer: no overlaps, no gaps, nothing after.
// Sorts `entries` by offset.
void check_coverage(const std::filesystem::path& file, std::vector<Entry>& entries,
                    uint64_t buffer_start, uint64_t buffer_size);

// A file opened for reading with its whole header validated against its size: every entry's
// bytes lie in the file, and together they tile the data buffer.
struct CheckedFile {
  adamite::detail::FilePtr in;
  uint64_t buffer_start = 0;
  std::vector<Entry> entries;  // sorted by offset
  std::map<std::string, std::string> metadata;
};
CheckedFile open_checked(const std::filesystem::path& file);

// Writes the arrays as a safetensors file through an AtomicFile (SafetensorsError on failure).
void write_arrays(const std::filesystem::path& file, const std::vector<ArrayRef>& arrays,
                  const std::map<std::string, std::string>& metadata);

inline size_t element_count(const ArrayRef& array) {
  size_t count = 1;
  for (const int64_t d : array.shape) count *= size_t(d);
  return count;
}

// Reads exactly `bytes` at `offset`, or fails naming the offset.
void read_exact(const std::filesystem::path& file, std::FILE* in, uint64_t offset, void* data,
                size_t bytes);

}  // namespace adamite::io::detail
