// MD5 (RFC 1321), only to verify downloaded dataset files against their published checksums;
// not for anything security-related.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace adamite::data {

// Incremental hashing: update() any number of times, then hex() once.
class Md5 {
 public:
  Md5();
  void update(const void* data, size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // The digest as 32 lowercase hex digits. Finishes the hash: call it once, last.
  std::string hex();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 4> state_;
  std::array<uint8_t, 64> buffer_{};
  uint64_t length_ = 0;  // bytes hashed so far
};

// A file's MD5, read in chunks (throws std::runtime_error naming the file if it cannot be read).
std::string md5_hex(const std::filesystem::path& file);
// The MD5 of the bytes themselves. A string literal or std::string converts to both overloads,
// so the call does not compile: say which you mean, md5_hex(std::string_view(s)) or
// md5_hex(std::filesystem::path(s)).
std::string md5_hex(std::string_view bytes);

}  // namespace adamite::data
