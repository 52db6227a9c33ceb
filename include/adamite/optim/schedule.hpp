// Learning-rate schedules (design §4): a multiplier of every parameter group's base learning rate
// as a function of the optimizer step t = 1, 2, ..., kept separate from the optimizers. Before
// each optimizer.step(), schedule.apply(optimizer) sets the factor for the step about to be taken.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim {

class Schedule {
 public:
  virtual ~Schedule() = default;
  // The learning-rate multiplier at step t (t ≥ 1; smaller t is treated as 1).
  virtual double factor(int64_t t) const = 0;
  // Human-readable form, e.g. "step decay x0.5 every 10 epochs".
  virtual std::string describe() const = 0;
  // Sets optimizer.lr_factor() to factor(t) for the step it is about to take
  // (t = optimizer.step_count() + 1). Call before every optimizer.step().
  void apply(Optimizer& optimizer) const;
};

struct ScheduleContext {
  int64_t steps_per_epoch = 1;  // optimizer steps per epoch (≥ 1): step and exp decay count epochs
  int64_t total_steps = 1;      // length of the run in steps (≥ 1): cosine reaches 0 there
  int64_t warmup_steps = 0;     // linear warm-up length (0: none)
};

// The accepted spec forms, for help texts and error messages.
inline constexpr const char* kScheduleForms =
    "constant, inv-sqrt, step:N:γ (×γ every N epochs), exp:γ (×γ every epoch), cosine";

// spec: "constant"   1
//       "inv-sqrt"   1/√t (paper §6.1: α_t = α/√t)
//       "step:N:γ"   γ^floor((t−1) / (N·steps_per_epoch)), N ≥ 1 epochs, 0 < γ ≤ 1
//       "exp:γ"      γ^floor((t−1) / steps_per_epoch), 0 < γ ≤ 1
//       "cosine"     0.5·(1 + cos(π·min(1, (t−1)/total_steps)))
// With warmup_steps > 0 any of them is multiplied by min(1, t / warmup_steps).
// Throws std::invalid_argument quoting the spec (and listing the accepted forms) for a bad spec,
// or naming the field for a bad context.
std::unique_ptr<Schedule> make_schedule(const std::string& spec,
                                        const ScheduleContext& context = {});

}  // namespace adamite::optim
