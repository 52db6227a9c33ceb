#include "adamite/optim/optimizer.hpp"

#include <algorithm>
#include <stdexcept>

#include "number.hpp"

namespace adamite::optim {

Optimizer::Optimizer(std::string name, ParamGroups params, const Options& defaults)
    : name_(std::move(name)), groups_(std::move(params.groups)) {
  int64_t largest = 0;
  for (ParamGroup& group : groups_) {
    if (!group.options) group.options = defaults.clone();
    if (!(group.options->lr() >= 0.0) || !(group.options->weight_decay() >= 0.0))
      throw std::invalid_argument("optimizer: learning rate and weight decay must be >= 0, got " +
                                  std::to_string(group.options->lr()) + " and " +
                                  std::to_string(group.options->weight_decay()));
    for (const Tensor& p : group.params) {
      if (!p.defined() || !p.requires_grad())
        throw std::invalid_argument("optimizer: every parameter must require a gradient");
      state_.emplace_back();
      largest = std::max(largest, p.numel());
    }
  }
  scratch_ = Tensor::empty({largest});
}

StateSlot Optimizer::add_state(const std::string& state_name) {
  size_t index = 0;
  for (const ParamGroup& group : groups_)
    for (const Tensor& p : group.params) state_[index++].push_back(Tensor::zeros(p.shape()));
  state_names_.push_back(state_name);
  return {state_names_.size() - 1};
}

void Optimizer::step() {
  ++step_count_;
  size_t index = 0;
  for (const ParamGroup& group : groups_) {
    const Options& options = *group.options;
    const double lr = options.lr() * lr_factor_;
    const double weight_decay = options.weight_decay();
    for (const Tensor& p : group.params) {
      const std::vector<Tensor>& buffers = state_[index++];
      const Tensor grad = p.grad();
      if (!grad.defined()) continue;
      const auto n = static_cast<Eigen::Index>(p.numel());
      float* g = grad.data();
      if (weight_decay != 0.0) {  // L2 added to a copy: the user's .grad stays as is
        ArrayMap(scratch_.data(), n) = grad.array() + static_cast<float>(weight_decay) * p.array();
        g = scratch_.data();
      }
      ParamView view{p.array(), ArrayMap(g, n), buffers};
      update_parameter(options, lr, view, step_count_);
    }
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  for (const ParamGroup& group : groups_)
    for (const Tensor& p : group.params)
      if (set_to_none)
        p.set_grad(Tensor());
      else if (p.grad().defined())
        p.grad().fill_(0.0f);
}

OptimizerState Optimizer::state_dict() const {
  OptimizerState out;
  out.step = step_count_;
  for (size_t p = 0; p < state_.size(); ++p)
    for (size_t s = 0; s < state_names_.size(); ++s)
      out.buffers.emplace_back(std::to_string(p) + "." + state_names_[s], state_[p][s].clone());
  return out;
}

void Optimizer::load_state_dict(const OptimizerState& state) {
  if (state.step < 0) throw std::invalid_argument(name() + ": negative step count in state");
  std::vector<std::vector<const Tensor*>> found(state_.size(),
                                                std::vector<const Tensor*>(state_names_.size()));
  for (const auto& [key, tensor] : state.buffers) {
    const size_t dot = key.find('.');
    const auto it = std::find(state_names_.begin(), state_names_.end(),
                              dot == std::string::npos ? "" : key.substr(dot + 1));
    size_t index = state_.size();
    try {
      index = std::stoul(key.substr(0, dot));
    } catch (const std::exception&) {
    }
    if (it == state_names_.end() || index >= state_.size())
      throw std::invalid_argument(name() + ": state has an unexpected buffer '" + key + "'");
    const auto slot = static_cast<size_t>(it - state_names_.begin());
    if (tensor.shape() != state_[index][slot].shape())
      throw std::invalid_argument(name() + ": state buffer '" + key + "' has shape " +
                                  to_string(tensor.shape()) + ", parameter has " +
                                  to_string(state_[index][slot].shape()));
    found[index][slot] = &tensor;
  }
  for (size_t p = 0; p < found.size(); ++p)
    for (size_t s = 0; s < state_names_.size(); ++s)
      if (found[p][s] == nullptr)
        throw std::invalid_argument(name() + ": state lacks buffer '" + std::to_string(p) + "." +
                                    state_names_[s] + "'");
  for (size_t p = 0; p < found.size(); ++p)
    for (size_t s = 0; s < state_names_.size(); ++s) state_[p][s].copy_(*found[p][s]);
  step_count_ = state.step;
}

Tensor Optimizer::state(size_t param_index, const std::string& state_name) const {
  const auto it = std::find(state_names_.begin(), state_names_.end(), state_name);
  if (param_index >= state_.size() || it == state_names_.end())
    throw std::out_of_range("optimizer: no state '" + state_name + "' for parameter " +
                            std::to_string(param_index));
  return state_[param_index][static_cast<size_t>(it - state_names_.begin())];
}

namespace detail {

void check_ranges(const std::string& algorithm, Options& options) {
  // Names read as words in the message: "weight decay must be >= 0".
  struct Check final : ArgVisitor {
    const std::string& algorithm;
    explicit Check(const std::string& a) : algorithm(a) {}
    void operator()(std::string_view name, double& value, Range range) override {
      const bool ok = range == Range::unit           ? value >= 0.0 && value < 1.0
                      : range == Range::non_negative ? value >= 0.0
                      : range == Range::positive     ? value > 0.0
                                                     : true;
      if (ok) return;
      std::string words(name);
      std::replace(words.begin(), words.end(), '_', ' ');
      const char* rule = range == Range::unit           ? " must be in [0, 1)"
                         : range == Range::non_negative ? " must be >= 0"
                                                        : " must be > 0";
      throw std::invalid_argument(algorithm + ": " + words + rule + ", got " + number(value));
    }
    void operator()(std::string_view, bool&) override {}
  } check(algorithm);
  options.visit_args(check);
}

}  // namespace detail
}  // namespace adamite::optim
