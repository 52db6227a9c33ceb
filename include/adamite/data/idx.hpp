// IDX files (the MNIST format): a big-endian header of dimensions, then the values, row-major.
// Read from gzip (.gz, as published) or raw; every size in the header is checked against the
// bytes the file really holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <vector>

namespace adamite::data {

// A malformed data file; the message names the file and, where it helps, the byte offset
// (offsets count bytes of the decompressed IDX stream).
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The most bytes a reader holds for one dataset file or image tree (2 GiB): what a lying header
// or an oversized file can make it allocate is checked against this before allocating. Real
// datasets are far smaller (MNIST's training images: 47 MB, CIFAR-10: 184 MB).
constexpr uint64_t kMaxDatasetBytes = uint64_t{1} << 31;

// Runs read() and turns a std::bad_alloc, which names nothing, into an error naming `file`.
template <class Read>
auto naming_memory_failure(const std::filesystem::path& file, Read&& read) {
  try {
    return read();
  } catch (const std::bad_alloc&) {
    throw std::runtime_error(file.string() + ": out of memory while reading it");
  }
}

struct IdxArray {
  std::vector<int64_t> dims;    // e.g. {60000, 28, 28}
  std::vector<uint8_t> values;  // product(dims) values, row-major
};

// Reads an IDX file of unsigned bytes (type 0x08), gzip-compressed or raw (detected from the
// gzip magic, not the name). Throws FormatError on anything malformed: bad magic, unsupported
// type, 0 or more than 4 dims, a zero dimension, truncated or corrupt data, trailing bytes, or a
// header larger than the 2 GiB payload limit.
IdxArray read_idx(const std::filesystem::path& file);

}  // namespace adamite::data
