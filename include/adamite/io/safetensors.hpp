// Reading and writing the safetensors format (https://github.com/huggingface/safetensors), so
// trained models open in the `safetensors` Python package and PyTorch, and theirs open here.
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON
//   {"__metadata__": {"key": "value", ...},
//    "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
// (possibly padded with trailing spaces), then the byte buffer the offsets point into.
// Tensors are row-major and little-endian; together they cover the buffer exactly.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "adamite/nn/module.hpp"
#include "adamite/tensor.hpp"

namespace adamite::io {

// Every failure to read or write a safetensors file; the message names the file and, where it
// applies, the byte offset or tensor at fault.
class SafetensorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes the tensors as F32 in the given order, with the optional string metadata. The file is
// written to a temporary in the same folder, synced, then renamed over `file`, so a failure
// (full disk, crash) never leaves a partial file and keeps any previous file intact.
void save_safetensors(const std::filesystem::path& file,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
  // In the order they are stored in the file's byte buffer.
  std::vector<std::pair<std::string, Tensor>> tensors;
  std::map<std::string, std::string> metadata;
};

// Reads F32, F64, F16 and BF16 tensors (all converted to float32) after validating the whole
// header against the file's size, so a corrupt or hostile file raises SafetensorsError instead
// of crashing or allocating what the header claims.
SafetensorsFile load_safetensors(const std::filesystem::path& file);

// Saves module.named_state(): the parameters ("0.weight", "0.bias", ...), then the buffers
// ("1.running_mean", ...), in order.
void save_module(const std::filesystem::path& file, const nn::Module& module,
                 const std::map<std::string, std::string>& metadata = {});

// Loads a file written by save_module (or PyTorch's save_file(model.state_dict())) into the
// module's parameters and buffers. The file must hold exactly those, with the same shapes;
// otherwise the error lists every missing, unexpected, mis-shaped and non-finite (NaN, infinity)
// tensor and the module is left untouched. Returns the file's metadata.
std::map<std::string, std::string> load_module(const std::filesystem::path& file,
                                               nn::Module& module);

}  // namespace adamite::io
