// libFuzzer target for load_checkpoint (the file behind --resume): a safetensors file whose
// metadata and tensors must also match the run. SafetensorsError and CheckpointError are the
// documented outcomes of a corrupt or foreign checkpoint; anything else is a finding.
#include <cstdint>

#include "adamite/io/safetensors.hpp"
#include "checkpoint_model.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto dir = adamite::fuzz::scratch_dir();
  adamite::fuzz::write_file(adamite::train::checkpoint_file(dir), data, size);
  adamite::fuzz::CheckpointTarget target;
  try {
    adamite::train::load_checkpoint(dir, target.model, *target.optimizer, target.average.get(),
                                    target.config);
  } catch (const adamite::io::SafetensorsError&) {
  } catch (const adamite::train::CheckpointError&) {
  }
  return 0;
}
