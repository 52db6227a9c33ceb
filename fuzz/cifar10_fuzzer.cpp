// libFuzzer target for read_cifar10_batches (the CIFAR-10 binary format), one file per input.
// FormatError (bad size, bad label) and std::runtime_error (unreadable file) are the documented
// outcomes; anything else is a finding.
#include <cstdint>
#include <stdexcept>

#include "adamite/data/cifar10.hpp"
#include "adamite/data/idx.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto file = adamite::fuzz::scratch_dir() / "data_batch_1.bin";
  adamite::fuzz::write_file(file, data, size);
  try {
    const adamite::data::Dataset dataset = adamite::data::read_cifar10_batches({file}, "fuzz");
    // A successful read holds one example per whole record (as bytes), each label 0..9, values
    // read back in [0, 1].
    const auto n = static_cast<int64_t>(size) / adamite::data::kCifar10RecordBytes;
    if (dataset.labels.size() != static_cast<size_t>(n) || dataset.pixel_shape.empty() ||
        dataset.pixel_shape[0] != n || dataset.pixels.size() != static_cast<size_t>(n * 3072))
      __builtin_trap();
    for (const int32_t label : dataset.labels)
      if (label < 0 || label > 9) __builtin_trap();
    const adamite::Tensor values = dataset.examples();
    const float* x = values.data();
    for (int64_t i = 0; i < values.numel(); ++i)
      if (!(x[i] >= 0.0f && x[i] <= 1.0f)) __builtin_trap();
  } catch (const adamite::data::FormatError&) {
  } catch (const std::runtime_error&) {
  }
  return 0;
}
