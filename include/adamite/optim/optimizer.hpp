// Optimizer: the shared machinery of every update rule.
//
// An optimizer holds parameter groups (each with its own options), per-parameter state buffers
// whose names the algorithm declares (e.g. Adam's "exp_avg", "exp_avg_sq"), and the step count t.
// step() advances t once, then hands each parameter that has a gradient to update(), with the L2
// term already added to the gradient. An algorithm is one options type (options.hpp) and one
// update(), written against OptimizerOf<ItsOptions>.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "adamite/optim/options.hpp"
#include "adamite/tensor.hpp"

namespace adamite::optim {

struct ParamGroup {
  std::vector<Tensor> params;
  std::shared_ptr<Options> options;  // null: the optimizer's defaults
};

// What an optimizer updates: one list of parameters (one group, with the defaults) or groups.
struct ParamGroups {
  ParamGroups(std::vector<Tensor> params) : groups{{std::move(params), nullptr}} {}
  ParamGroups(std::initializer_list<Tensor> params) : ParamGroups(std::vector<Tensor>(params)) {}
  ParamGroups(std::vector<ParamGroup> list) : groups(std::move(list)) {}
  ParamGroups(std::initializer_list<ParamGroup> list) : groups(list) {}
  std::vector<ParamGroup> groups;
};

// A state buffer, looked up by name once when the optimizer is built (Optimizer::add_state) and
// read in update() as p.state(slot), so a step neither searches nor allocates.
struct StateSlot {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t index = kNone;
  explicit operator bool() const { return index != kNone; }
};

// What update() sees for one parameter.
struct ParamView {
  ArrayMap theta;                      // the weights, updated in place
  ArrayMap grad;                       // the gradient including the L2 term (do not keep)
  const std::vector<Tensor>& buffers;  // one per state name, zeros before the first step
  ArrayMap state(StateSlot slot) const { return buffers[slot.index].array(); }
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
  // Zeroes every gradient in place (the buffers are reused, not reallocated). With set_to_none,
  // drops them instead, as PyTorch's zero_grad(set_to_none=True): the next backward pass writes
  // each gradient without zeroing it first (one pass over every parameter's gradient less, from
  // a pool: still no allocation per step), and step() skips a parameter whose gradient the pass
  // did not reach (where a zeroed gradient would still move it, by momentum or weight decay).
  void zero_grad(bool set_to_none = false);

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
  // The registry's name for the algorithm ("adam", "amsgrad", ...).
  const std::string& name() const { return name_; }

 protected:
  // Checks every group's lr and L2 weight decay; groups without options get a copy of `defaults`.
  Optimizer(std::string name, ParamGroups params, const Options& defaults);
  // A zero buffer per parameter, saved in state_dict() as "<index>.<state_name>".
  StateSlot add_state(const std::string& state_name);
  // One parameter's update at step t (t ≥ 1), with learning rate lr (schedule applied).
  virtual void update_parameter(const Options& options, double lr, ParamView& param, int64_t t) = 0;

 private:
  std::string name_;
  std::vector<ParamGroup> groups_;
  std::vector<std::string> state_names_;
  std::vector<std::vector<Tensor>> state_;  // [parameter][state name]
  Tensor scratch_;                          // holds grad + L2 term, sized for the largest tensor
  int64_t step_count_ = 0;
  double lr_factor_ = 1.0;
};

namespace detail {
// Throws "<algorithm>: <name> must be ..., got <value>" for the first hyperparameter of `options`
// outside its declared range.
void check_ranges(const std::string& algorithm, Options& options);
}  // namespace detail

// The base of an algorithm with options type AlgorithmOptions: every group's options are checked
// to be of that type, in range and (AlgorithmOptions::check) consistent, and update() receives
// them as that type. An algorithm inherits the constructors (using OptimizerOf::OptimizerOf).
template <class AlgorithmOptions>
class OptimizerOf : public Optimizer {
 public:
  using options_type = AlgorithmOptions;

  // Named defaults.algorithm().
  explicit OptimizerOf(ParamGroups params, const AlgorithmOptions& defaults = AlgorithmOptions())
      : Optimizer(defaults.algorithm(), std::move(params), defaults), defaults_(defaults) {
    for (const ParamGroup& group : param_groups()) {
      auto* options = dynamic_cast<AlgorithmOptions*>(group.options.get());
      if (options == nullptr)
        throw std::invalid_argument(
            this->name() + ": a parameter group's options are of another optimizer's type");
      detail::check_ranges(this->name(), *options);
    }
    for (const ParamGroup& group : param_groups())
      static_cast<const AlgorithmOptions&>(*group.options).check();
  }

 protected:
  // A buffer only some settings need (AMSGrad's v_max, RMSProp's momentum): allocated when the
  // defaults need it, and then a group may go without it, but not need it when they do not.
  template <class Needs>
  StateSlot add_state_if(Needs needs, const std::string& state_name) {
    if (needs(defaults_)) return add_state(state_name);
    for (const ParamGroup& group : param_groups())
      if (needs(static_cast<const AlgorithmOptions&>(*group.options)))
        throw std::invalid_argument(name() + ": a parameter group needs the state buffer " +
                                    state_name + ", which only the defaults can turn on");
    return {};
  }

  virtual void update(const AlgorithmOptions& options, double lr, ParamView& param, int64_t t) = 0;

 private:
  void update_parameter(const Options& options, double lr, ParamView& param, int64_t t) final {
    update(static_cast<const AlgorithmOptions&>(options), lr, param, t);
  }

  AlgorithmOptions defaults_;
};

}  // namespace adamite::optim
