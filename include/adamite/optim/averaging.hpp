// Temporal averaging of the parameters (paper §7.2, design §4): an average θ̂ of the weights over
// the optimizer's trajectory, swapped in for evaluation and swapped back out for training.
//
//   EMA:    θ̄ ← β θ̄ + (1−β) θ  (θ̄₀ = 0),  θ̂ = θ̄ / (1−βᵗ)   (bias-corrected, as Adam's moments)
//   Polyak: θ̄ ← θ̄ + (θ − θ̄) / t,           θ̂ = θ̄            (the uniform mean of θ₁..θₜ)
//
// Call update() after every optimizer.step(). For evaluation:
//   { optim::AveragedWeightsScope averaged(average); evaluate(model); }  // training values back
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adamite/tensor.hpp"

namespace adamite::optim {

// Everything needed to continue an average exactly: the update count t and one buffer θ̄ per
// parameter, named "<parameter index>.average" (e.g. "3.average").
struct AverageState {
  int64_t count = 0;
  std::vector<std::pair<std::string, Tensor>> buffers;
};

class ParameterAverage {
 public:
  enum class Kind { Ema, Polyak };

  // beta is used by Kind::Ema only and must be in (0, 1). Throws std::invalid_argument for a bad
  // beta or an undefined parameter.
  ParameterAverage(std::vector<Tensor> params, Kind kind, double beta = 0.999);
  ParameterAverage(const ParameterAverage&) = delete;
  ParameterAverage& operator=(const ParameterAverage&) = delete;

  // "ema:β" (β in (0, 1)) or "polyak"; throws std::invalid_argument quoting the spec otherwise.
  static std::unique_ptr<ParameterAverage> parse(const std::string& spec,
                                                 std::vector<Tensor> params);

  // Folds the current parameter values into the average; call after every optimizer step.
  // Throws std::logic_error while the averaged weights are swapped in.
  void update();
  // Updates so far (t).
  int64_t count() const { return count_; }
  Kind kind() const { return kind_; }
  double beta() const { return beta_; }
  size_t size() const { return params_.size(); }

  // A new tensor holding the estimate θ̂ for parameter i (EMA: θ̄/(1−βᵗ), the factor computed in
  // double; Polyak: θ̄). Before any update: a copy of the current θ. Throws std::out_of_range.
  Tensor averaged(size_t i) const;

  // The parameters take θ̂; their training values are kept aside (buffers allocated on the first
  // call only). Throws std::logic_error if already swapped in.
  void swap_in();
  // The parameters get their training values back, bit-exactly. Throws std::logic_error if not
  // swapped in.
  void swap_out();
  bool swapped_in() const { return swapped_in_; }

  // e.g. "EMA of the weights, beta 0.999, bias-corrected" or "Polyak (uniform) average of the
  // weights".
  std::string describe() const;
  // The spec that parse() accepts for this average: "ema:0.999" or "polyak".
  std::string spec() const;

  // A copy of the state (buffers cloned).
  AverageState state_dict() const;
  // Restores a state taken from an average over parameters of the same shapes. Throws
  // std::invalid_argument naming the first unexpected, duplicated, missing or mis-shaped buffer
  // (or a negative count), leaving this average unchanged; std::logic_error while swapped in.
  void load_state_dict(const AverageState& state);

 private:
  void write_estimate(size_t i, const Tensor& out) const;

  std::vector<Tensor> params_;
  std::vector<Tensor> averages_;  // θ̄, one per parameter
  std::vector<Tensor> aside_;     // the training values while swapped in (allocated once)
  Kind kind_;
  double beta_;
  int64_t count_ = 0;
  bool swapped_in_ = false;
};

// Swaps the averaged weights in for its lifetime (for evaluation) and back out on destruction,
// also when an exception leaves the scope. Throws (as swap_in) if they are already swapped in.
class AveragedWeightsScope {
 public:
  explicit AveragedWeightsScope(ParameterAverage& average) : average_(average) {
    average_.swap_in();
  }
  ~AveragedWeightsScope() { average_.swap_out(); }
  AveragedWeightsScope(const AveragedWeightsScope&) = delete;
  AveragedWeightsScope& operator=(const AveragedWeightsScope&) = delete;

 private:
  ParameterAverage& average_;
};

}  // namespace adamite::optim
