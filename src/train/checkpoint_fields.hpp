// The metadata of a checkpoint file: each field written as exact text, and read back only when it
// is well formed and in range, since a checkpoint is a file anyone may have edited or damaged.
// Every error is a CheckpointError naming the file and the field.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "adamite/io/safetensors.hpp"
#include "adamite/tensor.hpp"

namespace adamite::train::detail {

// Doubles travel as text; hex keeps them exact (the generator's: Generator::state_text).
std::string exact_text(double value);

// The field's text; a missing one means the file is not an adamite checkpoint.
const std::string& field(const io::SafetensorsFile& file, const std::filesystem::path& path,
                         const std::string& key);
// A count (epoch, batch, examples, steps): a plain decimal in [0, 2^53], so that no arithmetic on
// it can overflow.
int64_t count_field(const io::SafetensorsFile& file, const std::filesystem::path& path,
                    const std::string& key);
// A loss or sum of losses (a cross-entropy), or a duration: finite and not negative.
double loss_field(const io::SafetensorsFile& file, const std::filesystem::path& path,
                  const std::string& key);
// The generator's four words (Generator::parse_state).
std::array<uint64_t, 4> rng_field(const io::SafetensorsFile& file,
                                  const std::filesystem::path& path);

// A checksum of the tensors' names, shapes and bytes (64-bit FNV-1a as 16 hex digits): a bit
// flip in the data, which still parses, is caught at load.
std::string tensor_checksum(const std::vector<std::pair<std::string, Tensor>>& tensors);

}  // namespace adamite::train::detail
