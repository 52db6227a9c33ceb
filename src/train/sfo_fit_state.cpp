#include "sfo_fit_state.hpp"

#include <cmath>
#include <optional>

#include "adamite/io/safetensors.hpp"
#include "adamite/random.hpp"
#include "adamite/train/checkpoint.hpp"

namespace adamite::train {
namespace {

constexpr int64_t kRowFields = kEpochFields;
constexpr int64_t kScalars =
    5;  // completed, pass_cross_entropy, pass_evaluations, elapsed, stepping
const std::string kIdentity = "fit.identity.";

}  // namespace

void save_sfo_fit(const SfoFitSpec& spec, const optim::SFO& sfo, const nn::Module& model,
                  const SfoFitState& state, double elapsed) {
  const std::vector<double> scalars{double(state.completed), state.pass_cross_entropy,
                                    double(state.pass_evaluations), elapsed, state.stepping};
  std::vector<double> rows;
  for (const EpochResult& r : state.rows)
    for (const double v : epoch_fields(r)) rows.push_back(v);
  std::vector<io::ArrayRef> extra{
      io::array_ref("fit.scalars", {kScalars}, scalars.data()),
      io::array_ref("fit.rows", {int64_t(state.rows.size()), kRowFields}, rows.data()),
      io::array_ref("fit.full_batch_costs", {int64_t(state.full_batch_costs.size())},
                    state.full_batch_costs.data())};
  for (const auto& [name, buffer] : model.named_buffers())
    extra.push_back(io::array_ref("fit.buffer." + name, buffer.shape(), buffer.data()));
  std::map<std::string, std::string> metadata{{"fit.generator", default_generator().state_text()}};
  for (const auto& [key, value] : spec.identity) metadata[kIdentity + key] = value;
  sfo.save(spec.checkpoint, std::move(extra), std::move(metadata));
}

SfoFitState restore_sfo_fit(const SfoFitSpec& spec, optim::SFO& sfo, nn::Module& model) {
  const std::string where = spec.checkpoint.string();
  try {
    const io::ArrayFile file(spec.checkpoint);
    std::map<std::string, std::string> stored;
    for (const auto& [key, value] : file.metadata())
      if (key.starts_with(kIdentity)) stored[key.substr(kIdentity.size())] = value;
    std::string differences;
    for (const auto& [key, value] : spec.identity) {
      const auto it = stored.find(key);
      if (it == stored.end() || it->second != value)
        differences += "\n  " + key + ": checkpoint " +
                       (it == stored.end() ? std::string("(none)") : it->second) + ", this run " +
                       value;
    }
    for (const auto& [key, value] : stored)
      if (!spec.identity.count(key))
        differences += "\n  " + key + ": checkpoint " + value + ", this run (none)";
    if (!differences.empty())
      throw CheckpointError(where + " belongs to another run:" + differences);

    std::vector<double> scalars(kScalars);
    file.read("fit.scalars", {kScalars}, scalars.data());
    const auto whole = [](double v) { return std::isfinite(v) && v >= 0 && v == std::floor(v); };
    const auto [completed, cross_entropy, evaluations, elapsed, stepping] =
        std::tuple(scalars[0], scalars[1], scalars[2], scalars[3], scalars[4]);
    if (!whole(completed) || !whole(evaluations) || !std::isfinite(cross_entropy) ||
        !(elapsed >= 0) || !(stepping >= 0) || completed > double(int64_t{1} << 40))
      throw CheckpointError(where +
                            ": its 'fit.scalars' are not a run's position (edited or "
                            "damaged)");
    SfoFitState state;
    state.completed = int64_t(completed);
    state.pass_cross_entropy = cross_entropy;
    state.pass_evaluations = int64_t(evaluations);
    state.elapsed_before = elapsed;
    state.stepping = stepping;
    std::vector<double> rows(size_t(state.completed * kRowFields));
    file.read("fit.rows", {state.completed, kRowFields}, rows.data());
    for (int64_t r = 0; r < state.completed; ++r)
      state.rows.push_back(epoch_from_fields(rows.data() + r * kRowFields));
    state.full_batch_costs.resize(spec.full_batch_cost ? size_t(state.completed) : 0);
    file.read("fit.full_batch_costs", {int64_t(state.full_batch_costs.size())},
              state.full_batch_costs.data());
    const auto text = file.metadata().find("fit.generator");
    const std::optional<std::array<uint64_t, 4>> generator =
        text == file.metadata().end() ? std::nullopt : Generator::parse_state(text->second);
    if (!generator)
      throw CheckpointError(where + ": its 'fit.generator' is not a generator's state");
    for (const auto& [name, buffer] : model.named_buffers())
      file.expect("fit.buffer." + name, buffer.shape(), false);
    sfo.restore(file);
    for (const auto& [name, buffer] : model.named_buffers())
      file.read("fit.buffer." + name, buffer.shape(), buffer.data());
    default_generator().set_state(*generator);
    return state;
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::runtime_error& error) {  // another problem, a damaged or unreadable file
    throw CheckpointError(error.what());
  }
}

}  // namespace adamite::train
