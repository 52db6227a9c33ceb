// Reduce the learning rate on a plateau, as PyTorch's ReduceLROnPlateau in mode 'min' with
// threshold 0 (no cooldown, no minimum rate): after every epoch the monitored loss (train::fit
// monitors the validation loss) is observed; once more than `patience` epochs in a row brought no
// loss below the best so far, the learning-rate factor is multiplied by `factor` and the count
// starts again. Unlike the step-indexed schedules (schedule.hpp) it depends on the run's results,
// so its state travels in checkpoints (train::TrainingPosition::plateau).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace adamite::optim {

struct PlateauRule {
  double factor = 0.1;    // the rate is multiplied by this on a plateau: 0 < factor < 1
  int64_t patience = 10;  // epochs without a lower loss that are tolerated: >= 0
};

// What the rule has seen so far.
struct PlateauState {
  double lr_factor = 1.0;  // the product of the reductions so far
  double best_loss = std::numeric_limits<double>::infinity();
  int64_t bad_epochs = 0;  // epochs without a lower loss, since the best one or the last reduction

  bool operator==(const PlateauState&) const = default;
};

// The state after an epoch whose monitored loss is `loss` (a NaN loss is never lower). Throws
// std::invalid_argument for a rule outside the ranges above.
PlateauState observe_plateau(const PlateauRule& rule, const PlateauState& state, double loss);

// The rule of a schedule spec "plateau:FACTOR:PATIENCE" (e.g. "plateau:0.5:3"); std::nullopt for
// any spec not starting with "plateau:". Throws std::invalid_argument quoting the spec when the
// numbers are malformed or out of range.
std::optional<PlateauRule> parse_plateau(const std::string& spec);

// E.g. "x0.5 once 4 epochs in a row bring no lower validation loss (patience 3)".
std::string describe(const PlateauRule& rule);

}  // namespace adamite::optim
