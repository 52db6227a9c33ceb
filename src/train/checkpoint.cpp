#include "adamite/train/checkpoint.hpp"

#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "adamite/io/safetensors.hpp"
#include "adamite/random.hpp"

namespace adamite::train {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormat = "adamite-checkpoint-1";

// Doubles and generator words travel as text in the metadata; hex keeps them exact.
std::string exact(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%a", value);
  return text;
}

std::string rng_text(const std::array<uint64_t, 4>& state) {
  char text[96];
  std::snprintf(text, sizeof text, "%016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64,
                state[0], state[1], state[2], state[3]);
  return text;
}

const std::string& field(const io::SafetensorsFile& file, const fs::path& path,
                         const std::string& key) {
  const auto it = file.metadata.find(key);
  if (it == file.metadata.end())
    throw CheckpointError(path.string() + ": not an adamite checkpoint (no '" + key + "' entry)");
  return it->second;
}

int64_t integer(const io::SafetensorsFile& file, const fs::path& path, const std::string& key) {
  const std::string& text = field(file, path, key);
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || value < 0)
    throw CheckpointError(path.string() + ": bad '" + key + "' entry '" + text + "'");
  return value;
}

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
                     const TrainingPosition& position, const RunConfig& config) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, parameter] : model.named_parameters()) {
    if (!parameter.array().allFinite())
      throw CheckpointError("not saving a checkpoint: parameter " + name +
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
      {"loss_sum", exact(position.loss_sum)},
      {"examples", std::to_string(position.examples)},
      {"rng", rng_text(default_generator().state())},
  };
  if (average) {
    const optim::AverageState averaged = average->state_dict();
    for (const auto& [name, buffer] : averaged.buffers)
      tensors.emplace_back("average." + name, buffer);
    metadata["average_count"] = std::to_string(averaged.count);
  }
  for (const auto& [key, value] : config) metadata["config." + key] = value;
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
                          field(file, path, "format") + "'");

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

  TrainingPosition position;
  position.epoch = integer(file, path, "epoch");
  position.batch = integer(file, path, "batch");
  position.examples = integer(file, path, "examples");
  position.loss_sum = std::strtod(field(file, path, "loss_sum").c_str(), nullptr);
  std::array<uint64_t, 4> rng{};
  if (std::sscanf(field(file, path, "rng").c_str(), "%" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64,
                  &rng[0], &rng[1], &rng[2], &rng[3]) != 4)
    throw CheckpointError(path.string() + ": bad 'rng' entry");
  if ((average != nullptr) != file.metadata.count("average_count"))
    throw CheckpointError(path.string() + (average ? ": has no parameter average to resume"
                                                   : ": holds a parameter average this run lacks"));

  // Weights: same names and shapes as the model, or nothing is changed.
  const auto weights = section(file, "model.");
  const auto parameters = model.named_parameters();
  if (weights.size() != parameters.size())
    throw CheckpointError(path.string() + ": holds " + std::to_string(weights.size()) +
                          " parameters, the model has " + std::to_string(parameters.size()));
  for (size_t i = 0; i < weights.size(); ++i)
    if (weights[i].first != parameters[i].first ||
        weights[i].second.shape() != parameters[i].second.shape())
      throw CheckpointError(path.string() + ": parameter '" + weights[i].first +
                            "' does not match the model's '" + parameters[i].first + "'");
  optim::OptimizerState state;
  state.step = integer(file, path, "optimizer_step");
  state.buffers = section(file, "optimizer.");
  optimizer.load_state_dict(state);  // throws before changing anything on a mismatch
  if (average) {
    optim::AverageState averaged;
    averaged.count = integer(file, path, "average_count");
    averaged.buffers = section(file, "average.");
    average->load_state_dict(averaged);
  }
  for (size_t i = 0; i < weights.size(); ++i) parameters[i].second.copy_(weights[i].second);
  default_generator().set_state(rng);
  return position;
}

}  // namespace adamite::train
