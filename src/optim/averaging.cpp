#include "adamite/optim/averaging.hpp"

#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "number.hpp"

namespace adamite::optim {
namespace {

[[noreturn]] void bad_spec(const std::string& spec, const std::string& why) {
  throw std::invalid_argument("average '" + spec + "': " + why +
                              "; accepted forms: ema:β (0 < β < 1, e.g. ema:0.999), polyak");
}

void check_beta(double beta) {
  if (!(beta > 0.0 && beta < 1.0))
    throw std::invalid_argument("average: EMA β must be in (0, 1), got " + detail::number(beta));
}

}  // namespace

ParameterAverage::ParameterAverage(std::vector<Tensor> params, Kind kind, double beta)
    : params_(std::move(params)), kind_(kind), beta_(beta) {
  if (kind_ == Kind::Ema) check_beta(beta_);
  averages_.reserve(params_.size());
  for (const Tensor& p : params_) {
    if (!p.defined()) throw std::invalid_argument("average: every parameter must be defined");
    averages_.push_back(Tensor::zeros(p.shape()));
  }
}

std::unique_ptr<ParameterAverage> ParameterAverage::parse(const std::string& spec,
                                                          std::vector<Tensor> params) {
  if (spec == "polyak") return std::make_unique<ParameterAverage>(std::move(params), Kind::Polyak);
  const std::string_view view(spec);
  if (!view.starts_with("ema:")) bad_spec(spec, "unknown average");
  const std::string_view text = view.substr(4);
  double beta = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), beta);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    bad_spec(spec, "β '" + std::string(text) + "' is not a number");
  if (!(beta > 0.0 && beta < 1.0))
    bad_spec(spec, "β must be in (0, 1), got " + detail::number(beta));
  return std::make_unique<ParameterAverage>(std::move(params), Kind::Ema, beta);
}

void ParameterAverage::update() {
  if (swapped_in_)
    throw std::logic_error(
        "average: update() while the averaged weights are swapped in; swap them out first");
  ++count_;
  if (kind_ == Kind::Ema) {
    const auto b = static_cast<float>(beta_), one_minus_b = static_cast<float>(1.0 - beta_);
    for (size_t i = 0; i < params_.size(); ++i) {
      ArrayMap average = averages_[i].array();
      average = b * average + one_minus_b * params_[i].array();
    }
  } else {
    const auto t = static_cast<float>(count_);
    for (size_t i = 0; i < params_.size(); ++i) {
      ArrayMap average = averages_[i].array();
      average += (params_[i].array() - average) / t;
    }
  }
}

// θ̂ for parameter i into `out` (which may be the parameter itself).
void ParameterAverage::write_estimate(size_t i, const Tensor& out) const {
  if (count_ == 0) {
    // No update yet: θ̂ is θ (the training value, which is aside while swapped in).
    const Tensor& theta = swapped_in_ ? aside_[i] : params_[i];
    if (!out.same(theta)) out.copy_(theta);
    return;
  }
  if (kind_ == Kind::Polyak) {
    out.copy_(averages_[i]);
    return;
  }
  const double correction = 1.0 / (1.0 - std::pow(beta_, static_cast<double>(count_)));
  out.array() = averages_[i].array() * static_cast<float>(correction);
}

Tensor ParameterAverage::averaged(size_t i) const {
  if (i >= params_.size())
    throw std::out_of_range("average: no parameter " + std::to_string(i) + " (have " +
                            std::to_string(params_.size()) + ")");
  Tensor out = Tensor::empty(params_[i].shape());
  write_estimate(i, out);
  return out;
}

void ParameterAverage::swap_in() {
  if (swapped_in_) throw std::logic_error("average: the averaged weights are already swapped in");
  if (aside_.empty())
    for (const Tensor& p : params_) aside_.push_back(Tensor::empty(p.shape()));
  for (size_t i = 0; i < params_.size(); ++i) aside_[i].copy_(params_[i]);
  swapped_in_ = true;
  for (size_t i = 0; i < params_.size(); ++i) write_estimate(i, params_[i]);
}

void ParameterAverage::swap_out() {
  if (!swapped_in_) throw std::logic_error("average: the averaged weights are not swapped in");
  for (size_t i = 0; i < params_.size(); ++i) params_[i].copy_(aside_[i]);
  swapped_in_ = false;
}

std::string ParameterAverage::describe() const {
  if (kind_ == Kind::Polyak) return "Polyak (uniform) average of the weights";
  return "EMA of the weights, beta " + detail::number(beta_) + ", bias-corrected";
}

std::string ParameterAverage::spec() const {
  return kind_ == Kind::Polyak ? "polyak" : "ema:" + detail::number(beta_);
}

AverageState ParameterAverage::state_dict() const {
  AverageState out;
  out.count = count_;
  out.buffers.reserve(averages_.size());
  for (size_t i = 0; i < averages_.size(); ++i)
    out.buffers.emplace_back(std::to_string(i) + ".average", averages_[i].clone());
  return out;
}

void ParameterAverage::load_state_dict(const AverageState& state) {
  if (swapped_in_)
    throw std::logic_error("average: load_state_dict() while the averaged weights are swapped in");
  if (state.count < 0)
    throw std::invalid_argument("average: negative update count " + std::to_string(state.count) +
                                " in state");
  std::vector<const Tensor*> found(averages_.size(), nullptr);
  const std::string suffix = ".average";
  for (const auto& [key, tensor] : state.buffers) {
    const std::string_view view(key);
    size_t index = averages_.size();
    if (view.ends_with(suffix)) {
      const std::string_view digits = view.substr(0, view.size() - suffix.size());
      size_t parsed = 0;
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed);
      if (!digits.empty() && ec == std::errc() && ptr == digits.data() + digits.size())
        index = parsed;
    }
    if (index >= averages_.size())
      throw std::invalid_argument("average: state has an unexpected buffer '" + key + "'");
    if (found[index] != nullptr)
      throw std::invalid_argument("average: state has buffer '" + key + "' twice");
    if (!tensor.defined() || tensor.shape() != averages_[index].shape())
      throw std::invalid_argument(
          "average: state buffer '" + key + "' has shape " +
          (tensor.defined() ? to_string(tensor.shape()) : std::string("(undefined)")) +
          ", parameter has " + to_string(averages_[index].shape()));
    found[index] = &tensor;
  }
  for (size_t i = 0; i < found.size(); ++i)
    if (found[i] == nullptr)
      throw std::invalid_argument("average: state lacks buffer '" + std::to_string(i) +
                                  ".average'");
  for (size_t i = 0; i < found.size(); ++i) averages_[i].copy_(*found[i]);
  count_ = state.count;
}

}  // namespace adamite::optim
