// Optimizer: the shared machinery of every update rule.
//
// An optimizer holds parameter groups (each with its own options), per-parameter state buffers
// whose names the algorithm declares (e.g. Adam's "exp_avg", "exp_avg_sq"), and the step count t.
// step() advances t once, then hands each parameter that has a gradient to update(), with the L2
// term already added to the gradient. An algorithm is one Options struct and one update().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adamite/tensor.hpp"

namespace adamite::optim {

struct Options {
  double lr = 1e-3;
  double weight_decay = 0.0;  // L2: weight_decay·θ is added to the gradient
  virtual ~Options() = default;
  virtual std::unique_ptr<Options> clone() const = 0;
};

struct ParamGroup {
  std::vector<Tensor> params;
  std::shared_ptr<Options> options;  // null: the optimizer's defaults
};

// What update() sees for one parameter.
struct ParamView {
  ArrayMap theta;                    // the weights, updated in place
  ArrayMap grad;                     // the gradient including the L2 term (do not keep)
  const std::vector<Tensor>& state;  // one buffer per state name, zeros before the first step
};

// Everything an optimizer needs to continue exactly where it stopped: the step count and every
// state buffer, named "<parameter index>.<state name>" (e.g. "3.exp_avg").
struct OptimizerState {
  int64_t step = 0;
  std::vector<std::pair<std::string, Tensor>> buffers;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // t ← t + 1 (once per call, however many tensors), then θ updated for every parameter whose
  // gradient is defined.
  void step();
  // Zeroes every gradient in place (the buffers are reused, not reallocated).
  void zero_grad();

  int64_t step_count() const { return step_count_; }
  // Schedules scale every group's learning rate by this factor (1 by default).
  void set_lr_factor(double factor) { lr_factor_ = factor; }
  double lr_factor() const { return lr_factor_; }

  // A copy of the state (buffers are cloned, so later steps do not change it).
  OptimizerState state_dict() const;
  // Restores a state taken from an optimizer of the same kind over parameters of the same
  // shapes; throws naming the first missing or mis-shaped buffer, leaving this one unchanged.
  void load_state_dict(const OptimizerState& state);

  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const std::vector<std::string>& state_names() const { return state_names_; }
  // State buffer `name` of parameter `index` (counting across groups in order).
  Tensor state(size_t param_index, const std::string& name) const;
  virtual std::string name() const = 0;

 protected:
  Optimizer(std::vector<ParamGroup> groups, const Options& defaults,
            std::vector<std::string> state_names);
  // One parameter's update at step t (t ≥ 1), with learning rate lr (schedule applied).
  virtual void update(const Options& options, double lr, ParamView& param, int64_t t) = 0;

 private:
  std::vector<ParamGroup> groups_;
  std::vector<std::string> state_names_;
  std::vector<std::vector<Tensor>> state_;  // [parameter][state name]
  Tensor scratch_;                          // holds grad + L2 term, sized for the largest tensor
  int64_t step_count_ = 0;
  double lr_factor_ = 1.0;
};

}  // namespace adamite::optim
