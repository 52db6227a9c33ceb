// Checkpoints: everything a training run needs to continue exactly where it stopped, in one
// safetensors file (DIR/checkpoint.safetensors): the weights, the optimizer's step count and state
// buffers, the parameter average, the training position (epoch, minibatch, the epoch's running
// loss), the default random generator's state (dropout), and the run's configuration.
//
// Writing goes through a temporary file that is synced and renamed over the previous checkpoint,
// so a crash or a full disk at any moment leaves the previous checkpoint readable.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

#include "adamite/nn/module.hpp"
#include "adamite/optim/averaging.hpp"
#include "adamite/optim/optimizer.hpp"
#include "adamite/train/fit.hpp"

namespace adamite::train {

// A checkpoint that does not belong to this run (other model, data or hyper-parameters), or that
// cannot be used (missing, corrupt, non-finite weights).
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The run's identity: e.g. {"model": "mlp", "optimizer": "adam", "lr": "0.001", ...}. Resuming
// requires the same values for every key.
using RunConfig = std::map<std::string, std::string>;

std::filesystem::path checkpoint_file(const std::filesystem::path& dir);

// Saves into dir (created if missing), with `settings` (how the run was asked for, e.g. its
// command-line options) stored beside the identity but never compared. Refuses (CheckpointError,
// nothing written) when a weight is not finite, so a diverging run never replaces its last good
// checkpoint. Write errors (full disk) throw io::SafetensorsError naming the file; the previous
// checkpoint is then intact.
void save_checkpoint(const std::filesystem::path& dir, const nn::Module& model,
                     const optim::Optimizer& optimizer, const optim::ParameterAverage* average,
                     const TrainingPosition& position, const RunConfig& config,
                     const RunConfig& settings = {});

// Restores everything save_checkpoint stored into these objects (built as for a fresh run) and
// returns the position to continue from. Throws CheckpointError listing every configuration
// difference (e.g. "lr: checkpoint 0.001, this run 0.01") before touching anything.
TrainingPosition load_checkpoint(const std::filesystem::path& dir, nn::Module& model,
                                 optim::Optimizer& optimizer, optim::ParameterAverage* average,
                                 const RunConfig& config);

// The settings save_checkpoint stored in dir's checkpoint (none in checkpoints written before they
// existed). Throws io::SafetensorsError / CheckpointError for a missing or unreadable file.
RunConfig checkpoint_settings(const std::filesystem::path& dir);

}  // namespace adamite::train
