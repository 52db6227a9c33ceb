// Arrays that must come back bit for bit — float32 and float64, such as an optimizer's state kept
// in double — in a safetensors file (numpy and the `safetensors` package open it too), each with
// a checksum in the metadata ("checksum.<name>"), so a flipped bit is an error instead of a
// silently different number. Arrays go to and from the caller's memory a chunk at a time: a
// multi-gigabyte array is never copied whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adamite/shape.hpp"

namespace adamite::io {

// One array to write: the product of `shape` elements at `data` (float64 when f64, else
// float32), row-major. With no elements, data may be null (an empty std::vector's data()).
struct ArrayRef {
  std::string name;
  Shape shape;
  const void* data = nullptr;
  bool f64 = false;
};
inline ArrayRef array_ref(std::string name, Shape shape, const float* data) {
  return {std::move(name), shape, data, false};
}
inline ArrayRef array_ref(std::string name, Shape shape, const double* data) {
  return {std::move(name), shape, data, true};
}

// Writes through an AtomicFile, so a failure (full disk, crash) leaves any previous file intact.
// Metadata keys starting with "checksum." are reserved. Throws SafetensorsError naming the file.
void save_arrays(const std::filesystem::path& file, const std::vector<ArrayRef>& arrays,
                 const std::map<std::string, std::string>& metadata = {});

// A file written by save_arrays, its header validated against its size when opened.
class ArrayFile {
 public:
  explicit ArrayFile(const std::filesystem::path& file);  // SafetensorsError if unreadable
  ~ArrayFile();
  ArrayFile(const ArrayFile&) = delete;
  ArrayFile& operator=(const ArrayFile&) = delete;

  const std::filesystem::path& path() const;
  const std::map<std::string, std::string>& metadata() const;  // without the checksums
  bool contains(const std::string& name) const;

  // Checks that the file holds `name` as float32 (float64) with this shape, without reading it:
  // a loader checks every array before it changes anything. SafetensorsError naming the file and
  // the array otherwise.
  void expect(const std::string& name, const Shape& shape, bool f64) const;
  // Reads the array into `out` (expect() first), then compares its checksum with the stored one.
  void read(const std::string& name, const Shape& shape, float* out) const;
  void read(const std::string& name, const Shape& shape, double* out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace adamite::io
