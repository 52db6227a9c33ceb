#include "adamite/train/checkpoint.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "adamite/io/safetensors.hpp"
#include "adamite/random.hpp"
#include "checkpoint_fields.hpp"

namespace adamite::train {
namespace fs = std::filesystem;
namespace {

using namespace detail;

constexpr const char* kFormat = "adamite-checkpoint-1";
constexpr const char* kSetting = "setting.";

// The tensors under `prefix`, with the prefix removed, in file order.
std::vector<std::pair<std::string, Tensor>> section(const io::SafetensorsFile& file,
                                                    const std::string& prefix) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [name, tensor] : file.tensors)
    if (name.rfind(prefix, 0) == 0) out.emplace_back(name.substr(prefix.size()), tensor);
  return out;
}

}  // namespace

fs::path checkpoint_file(const fs::path& dir) {
  return dir / "checkpoint.safetensors";
}

void save_checkpoint(const fs::path& dir, const nn::Module& model,
                     const optim::Optimizer& optimizer, const optim::ParameterAverage* average,
                     const TrainingPosition& position, const RunConfig& config,
                     const RunConfig& settings) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, parameter] : model.named_state()) {
    if (!parameter.array().allFinite())
      throw CheckpointError("not saving a checkpoint: model tensor " + name +
                            " holds non-finite values; the previous checkpoint in " + dir.string() +
                            " is kept");
    tensors.emplace_back("model." + name, parameter);
  }
  const optim::OptimizerState state = optimizer.state_dict();
  for (const auto& [name, buffer] : state.buffers)
    tensors.emplace_back("optimizer." + name, buffer);
  std::map<std::string, std::string> metadata = {
      {"format", kFormat},
      {"optimizer_step", std::to_string(state.step)},
      {"epoch", std::to_string(position.epoch)},
      {"batch", std::to_string(position.batch)},
      {"loss_sum", exact_text(position.loss_sum)},
      {"examples", std::to_string(position.examples)},
      {"seconds", exact_text(position.seconds)},
      {"rng", default_generator().state_text()},
  };
  if (position.best_epoch > 0) {
    metadata["best_epoch"] = std::to_string(position.best_epoch);
    metadata["best_validation_loss"] = exact_text(position.best_validation_loss);
  }
  if (position.plateau != optim::PlateauState{}) {  // a plateau schedule has seen an epoch
    metadata["plateau_lr_factor"] = exact_text(position.plateau.lr_factor);
    metadata["plateau_bad_epochs"] = std::to_string(position.plateau.bad_epochs);
    if (std::isfinite(position.plateau.best_loss))
      metadata["plateau_best_loss"] = exact_text(position.plateau.best_loss);
  }
  if (average) {
    const optim::AverageState averaged = average->state_dict();
    for (const auto& [name, buffer] : averaged.buffers)
      tensors.emplace_back("average." + name, buffer);
    metadata["average_count"] = std::to_string(averaged.count);
  }
  for (const auto& [key, value] : config) metadata["config." + key] = value;
  for (const auto& [key, value] : settings) metadata[kSetting + key] = value;
  metadata["tensor_checksum"] = tensor_checksum(tensors);
  fs::create_directories(dir);
  io::save_safetensors(checkpoint_file(dir), tensors, metadata);
}

TrainingPosition load_checkpoint(const fs::path& dir, nn::Module& model,
                                 optim::Optimizer& optimizer, optim::ParameterAverage* average,
                                 const RunConfig& config) {
  const fs::path path = checkpoint_file(dir);
  if (!fs::exists(path)) throw CheckpointError(path.string() + ": no checkpoint to resume from");
  const io::SafetensorsFile file = io::load_safetensors(path);
  if (field(file, path, "format") != kFormat)
    throw CheckpointError(path.string() + ": unknown checkpoint format '" +
                          field(file, path, "format").substr(0, 40) + "'");

  // The run must be the same one: list every difference at once.
  std::ostringstream differences;
  std::map<std::string, std::string> stored;
  for (const auto& [key, value] : file.metadata)
    if (key.rfind("config.", 0) == 0) stored[key.substr(7)] = value;
  for (const auto& [key, value] : config) {
    const auto it = stored.find(key);
    const std::string theirs = it == stored.end() ? "(not set)" : it->second;
    if (theirs != value)
      differences << "\n  " << key << ": checkpoint " << theirs << ", this run " << value;
  }
  for (const auto& [key, value] : stored)
    if (!config.count(key))
      differences << "\n  " << key << ": checkpoint " << value << ", this run (not set)";
  if (!differences.str().empty())
    throw CheckpointError(path.string() +
                          " belongs to a different run; resume with the same "
                          "settings, or start a new checkpoint folder:" +
                          differences.str());

  // Checkpoints written before the checksum existed have none; any other must match it.
  const auto checksum = file.metadata.find("tensor_checksum");
  if (checksum != file.metadata.end() && checksum->second != tensor_checksum(file.tensors))
    throw CheckpointError(path.string() +
                          ": the tensors do not match the file's checksum; the file is damaged");
  TrainingPosition position;
  position.epoch = count_field(file, path, "epoch");
  position.batch = count_field(file, path, "batch");
  position.examples = count_field(file, path, "examples");
  position.loss_sum = loss_field(file, path, "loss_sum");
  if (file.metadata.count("seconds"))  // written since 2026-12-03
    position.seconds = loss_field(file, path, "seconds");
  if (file.metadata.count("best_epoch")) {  // a run with a validation set
    position.best_epoch = count_field(file, path, "best_epoch");
    position.best_validation_loss = loss_field(file, path, "best_validation_loss");
    if (position.best_epoch > position.epoch + 1)
      throw CheckpointError(path.string() + ": 'best_epoch' " +
                            std::to_string(position.best_epoch) + " is after epoch " +
                            std::to_string(position.epoch + 1) + "; the file was edited");
  }
  if (file.metadata.count("plateau_lr_factor")) {  // a run with a plateau schedule
    position.plateau.lr_factor = loss_field(file, path, "plateau_lr_factor");
    position.plateau.bad_epochs = count_field(file, path, "plateau_bad_epochs");
    if (file.metadata.count("plateau_best_loss"))
      position.plateau.best_loss = loss_field(file, path, "plateau_best_loss");
    if (!(position.plateau.lr_factor > 0.0 && position.plateau.lr_factor <= 1.0))
      throw CheckpointError(path.string() + ": 'plateau_lr_factor' " +
                            exact_text(position.plateau.lr_factor) +
                            " is not in (0, 1]; the file was edited");
  }
  if ((position.batch == 0) != (position.examples == 0) ||
      (position.batch == 0 && position.loss_sum != 0.0))
    throw CheckpointError(path.string() + ": 'batch', 'examples' and 'loss_sum' disagree (" +
                          std::to_string(position.batch) + " batches of " +
                          std::to_string(position.examples) + " examples); the file was edited");
  const std::array<uint64_t, 4> rng = rng_field(file, path);
  if ((average != nullptr) != file.metadata.count("average_count"))
    throw CheckpointError(path.string() + (average ? ": has no parameter average to resume"
                                                   : ": holds a parameter average this run lacks"));

  // save_checkpoint never writes a non-finite value, so one here is damage to the file.
  for (const auto& [name, tensor] : file.tensors)
    if (!tensor.array().allFinite())
      throw CheckpointError(path.string() + ": tensor " + name +
                            " holds non-finite values (NaN or infinity)");
  // Weights: same names and shapes as the model, or nothing is changed.
  const auto weights = section(file, "model.");
  const auto parameters = model.named_state();  // parameters, then buffers
  if (weights.size() != parameters.size())
    throw CheckpointError(path.string() + ": holds " + std::to_string(weights.size()) +
                          " model tensors (parameters and buffers), the model has " +
                          std::to_string(parameters.size()));
  for (size_t i = 0; i < weights.size(); ++i)
    if (weights[i].first != parameters[i].first ||
        weights[i].second.shape() != parameters[i].second.shape())
      throw CheckpointError(path.string() + ": model tensor '" + weights[i].first +
                            "' does not match the model's '" + parameters[i].first + "'");
  optim::OptimizerState state;
  state.step = count_field(file, path, "optimizer_step");
  state.buffers = section(file, "optimizer.");
  // Both throw std::invalid_argument before changing anything on a mismatch: the file's fault.
  try {
    optimizer.load_state_dict(state);
    if (average) {
      optim::AverageState averaged;
      averaged.count = count_field(file, path, "average_count");
      averaged.buffers = section(file, "average.");
      average->load_state_dict(averaged);
    }
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(path.string() + ": " + e.what());
  }
  for (size_t i = 0; i < weights.size(); ++i) parameters[i].second.copy_(weights[i].second);
  default_generator().set_state(rng);
  return position;
}

RunConfig checkpoint_settings(const fs::path& dir) {
  const fs::path path = checkpoint_file(dir);
  if (!fs::exists(path)) throw CheckpointError(path.string() + ": no checkpoint to resume from");
  RunConfig settings;
  for (const auto& [key, value] : io::load_safetensors(path).metadata)
    if (key.rfind(kSetting, 0) == 0) settings[key.substr(std::string(kSetting).size())] = value;
  return settings;
}

}  // namespace adamite::train
