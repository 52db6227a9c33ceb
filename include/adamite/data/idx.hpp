// IDX files (the MNIST format): a big-endian header of dimensions, then the values, row-major.
// Read from gzip (.gz, as published) or raw; every size in the header is checked against the
// bytes the file really holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace adamite::data {

// A malformed data file; the message names the file and, where it helps, the byte offset
// (offsets count bytes of the decompressed IDX stream).
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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
