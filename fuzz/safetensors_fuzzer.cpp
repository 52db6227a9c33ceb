// libFuzzer target for load_safetensors. SafetensorsError is the documented outcome of a corrupt
// or hostile file (including headers that lie about offsets, shapes or sizes); anything else is a
// finding.
#include <cstdint>

#include "adamite/io/safetensors.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto file = adamite::fuzz::scratch_dir() / "input.safetensors";
  adamite::fuzz::write_file(file, data, size);
  try {
    const adamite::io::SafetensorsFile loaded = adamite::io::load_safetensors(file);
    // A successful read: the tensors' bytes lie inside the file (at least 2 bytes per value).
    uint64_t values = 0;
    for (const auto& [name, tensor] : loaded.tensors)
      values += static_cast<uint64_t>(tensor.numel());
    if (2 * values > size) __builtin_trap();
  } catch (const adamite::io::SafetensorsError&) {
  }
  return 0;
}
