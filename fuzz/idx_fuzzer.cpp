// libFuzzer target for read_idx (IDX files, raw or gzip). FormatError is the documented outcome
// of a malformed file; anything else (a crash, a sanitizer report, another exception) is a
// finding.
#include <cstdint>
#include <numeric>

#include "adamite/data/idx.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto file = adamite::fuzz::scratch_dir() / "input.idx";
  adamite::fuzz::write_file(file, data, size);
  try {
    const adamite::data::IdxArray array = adamite::data::read_idx(file);
    // A successful read must be self-consistent.
    const int64_t count =
        std::accumulate(array.dims.begin(), array.dims.end(), int64_t{1}, std::multiplies<>());
    if (array.dims.empty() || array.dims.size() > 4 || count <= 0 ||
        static_cast<size_t>(count) != array.values.size())
      __builtin_trap();
  } catch (const adamite::data::FormatError&) {
  }
  return 0;
}
