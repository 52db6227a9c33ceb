#include "adamite/optim/schedule.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "number.hpp"

namespace adamite::optim {
namespace {

[[noreturn]] void bad_spec(const std::string& spec, const std::string& why) {
  throw std::invalid_argument("schedule '" + spec + "': " + why +
                              "; accepted forms: " + kScheduleForms);
}

// The whole of `text` as a number, or an error quoting the spec: no spaces, signs or junk.
template <typename Number>
Number parse_number(const std::string& spec, std::string_view text, const char* what) {
  Number value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    bad_spec(spec, std::string(what) + " '" + std::string(text) + "' is not a number");
  return value;
}

double parse_gamma(const std::string& spec, std::string_view text) {
  const auto gamma = parse_number<double>(spec, text, "γ");
  if (!(gamma > 0.0 && gamma <= 1.0))
    bad_spec(spec, "γ must be in (0, 1], got " + detail::number(gamma));
  return gamma;
}

class Constant final : public Schedule {
 public:
  double factor(int64_t) const override { return 1.0; }
  std::string describe() const override { return "constant"; }
};

class InvSqrt final : public Schedule {
 public:
  double factor(int64_t t) const override {
    return 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(t, 1)));
  }
  std::string describe() const override { return "inverse square root 1/sqrt(t)"; }
};

// γ^floor((t−1)/period): a staircase dropping by γ every `period` steps.
class Staircase final : public Schedule {
 public:
  Staircase(double gamma, int64_t period, std::string description)
      : gamma_(gamma), period_(period), description_(std::move(description)) {}
  double factor(int64_t t) const override {
    const int64_t drops = (std::max<int64_t>(t, 1) - 1) / period_;
    return std::pow(gamma_, static_cast<double>(drops));
  }
  std::string describe() const override { return description_; }

 private:
  double gamma_;
  int64_t period_;
  std::string description_;
};

class Cosine final : public Schedule {
 public:
  explicit Cosine(int64_t total_steps) : total_steps_(total_steps) {}
  double factor(int64_t t) const override {
    const double progress = std::min(
        1.0, static_cast<double>(std::max<int64_t>(t, 1) - 1) / static_cast<double>(total_steps_));
    return std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
  }
  std::string describe() const override {
    return "cosine decay to 0 over " + std::to_string(total_steps_) + " steps";
  }

 private:
  int64_t total_steps_;
};

class Warmup final : public Schedule {
 public:
  Warmup(std::unique_ptr<Schedule> inner, int64_t warmup_steps)
      : inner_(std::move(inner)), warmup_steps_(warmup_steps) {}
  double factor(int64_t t) const override {
    const double ramp = std::min(
        1.0, static_cast<double>(std::max<int64_t>(t, 1)) / static_cast<double>(warmup_steps_));
    return ramp * inner_->factor(t);
  }
  std::string describe() const override {
    return inner_->describe() + ", linear warm-up over " + std::to_string(warmup_steps_) + " steps";
  }

 private:
  std::unique_ptr<Schedule> inner_;
  int64_t warmup_steps_;
};

std::unique_ptr<Schedule> make_base(const std::string& spec, const ScheduleContext& context) {
  if (spec == "constant") return std::make_unique<Constant>();
  if (spec == "inv-sqrt") return std::make_unique<InvSqrt>();
  if (spec == "cosine") return std::make_unique<Cosine>(context.total_steps);
  const std::string_view view(spec);
  if (view.starts_with("exp:")) {
    const double gamma = parse_gamma(spec, view.substr(4));
    return std::make_unique<Staircase>(
        gamma, context.steps_per_epoch,
        "exponential decay x" + detail::number(gamma) + " every epoch");
  }
  if (view.starts_with("step:")) {
    const std::string_view rest = view.substr(5);
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) bad_spec(spec, "step decay needs both N and γ");
    const auto epochs = parse_number<int64_t>(spec, rest.substr(0, colon), "N");
    if (epochs < 1)
      bad_spec(spec, "N (epochs between drops) must be >= 1, got " + std::to_string(epochs));
    const double gamma = parse_gamma(spec, rest.substr(colon + 1));
    if (epochs > std::numeric_limits<int64_t>::max() / context.steps_per_epoch)
      bad_spec(spec, "N is too large");
    return std::make_unique<Staircase>(gamma, epochs * context.steps_per_epoch,
                                       "step decay x" + detail::number(gamma) + " every " +
                                           std::to_string(epochs) +
                                           (epochs == 1 ? " epoch" : " epochs"));
  }
  if (view.starts_with("plateau:"))
    throw std::invalid_argument("schedule '" + spec +
                                "' follows the validation loss, not the step count: give it to "
                                "train::fit as FitOptions::plateau (optim::parse_plateau)");
  bad_spec(spec, "unknown schedule");
}

}  // namespace

void Schedule::apply(Optimizer& optimizer) const {
  optimizer.set_lr_factor(factor(optimizer.step_count() + 1));
}

std::unique_ptr<Schedule> make_schedule(const std::string& spec, const ScheduleContext& context) {
  if (context.steps_per_epoch < 1)
    throw std::invalid_argument("schedule: steps_per_epoch must be >= 1, got " +
                                std::to_string(context.steps_per_epoch));
  if (context.total_steps < 1)
    throw std::invalid_argument("schedule: total_steps must be >= 1, got " +
                                std::to_string(context.total_steps));
  if (context.warmup_steps < 0)
    throw std::invalid_argument("schedule: warmup_steps must be >= 0, got " +
                                std::to_string(context.warmup_steps));
  std::unique_ptr<Schedule> schedule = make_base(spec, context);
  if (context.warmup_steps > 0)
    schedule = std::make_unique<Warmup>(std::move(schedule), context.warmup_steps);
  return schedule;
}

}  // namespace adamite::optim
