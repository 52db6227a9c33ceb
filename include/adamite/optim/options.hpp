// Options: an algorithm's hyperparameters, each declared once with its name, type, default and
// valid range (in the spirit of PyTorch's TORCH_ARG), read and set as in PyTorch: options.eps()
// reads, options.eps(1e-8) sets and returns the options, so settings chain.
//
//   struct AdaDeltaOptions : OptionsOf<AdaDeltaOptions> {
//     static constexpr double kDefaultLr = 1.0;
//     ADAMITE_OPTIONS(ADAMITE_ADADELTA_ARGS)
//     std::string algorithm() const { return "adadelta"; }
//   };
//
// where ADAMITE_ADADELTA_ARGS(ARG) is the list ARG(double, rho, 0.95, unit)
// ARG(double, eps, 1e-6, positive): type, name, default and valid range of each hyperparameter.
//
// The same list lets the optimizer check every range and the registry print the defaults and set
// command-line values by name, without naming a hyperparameter a second time. The learning rate
// and the L2 weight decay, which Optimizer::step reads for every algorithm, live in Options itself.
#pragma once

#include <memory>
#include <string_view>

namespace adamite::optim {

// Where a hyperparameter's value must lie (checked when an optimizer is built).
enum class Range {
  any,           // switches
  unit,          // [0, 1): decay rates, momentum, β
  non_negative,  // >= 0
  positive,      // > 0
};

// β1 and β2 of the Adam family, set together as in PyTorch: betas({0.9, 0.999}).
struct Betas {
  double beta1, beta2;
};

// What Options::visit_args hands each hyperparameter to. β1 and β2 arrive one by one, so names
// are those of the command line ("beta1", "eps", "bias_correction").
class ArgVisitor {
 public:
  virtual void operator()(std::string_view name, double& value, Range range) = 0;
  virtual void operator()(std::string_view name, bool& value) = 0;

 protected:
  ~ArgVisitor() = default;
};

namespace detail {
inline void visit_arg(ArgVisitor& visit, std::string_view name, double& value, Range range) {
  visit(name, value, range);
}
inline void visit_arg(ArgVisitor& visit, std::string_view name, bool& value, Range) {
  visit(name, value);
}
inline void visit_arg(ArgVisitor& visit, std::string_view, Betas& betas, Range range) {
  visit("beta1", betas.beta1, range);
  visit("beta2", betas.beta2, range);
}
}  // namespace detail

struct Options {
  explicit Options(double lr) : lr_(lr) {}
  virtual ~Options() = default;
  virtual std::unique_ptr<Options> clone() const = 0;
  // Every hyperparameter the algorithm declares (not lr and the L2 weight decay), in order.
  virtual void visit_args(ArgVisitor&) {}

  // The learning rate α, before a schedule's factor.
  double lr() const { return lr_; }
  Options& lr(double value) {
    lr_ = value;
    return *this;
  }
  // L2: weight_decay·θ is added to the gradient before update() sees it. (AdamW declares its own
  // weight_decay, the decoupled one, and leaves this one at 0.)
  double weight_decay() const { return weight_decay_; }
  Options& weight_decay(double value) {
    weight_decay_ = value;
    return *this;
  }

 private:
  double lr_, weight_decay_ = 0.0;
};

// The base of an algorithm's options type: copies of the right type, and lr() and weight_decay()
// setters that return it, so that AdamOptions(0.1).weight_decay(1e-4).eps(1e-6) chains.
// Self(lr) and Self() (lr = Self::kDefaultLr) come from here. Self::algorithm() names the
// algorithm ("adam"), and Self may hide check() to reject combinations the ranges cannot express.
template <class Self>
struct OptionsOf : Options {
  explicit OptionsOf(double lr = Self::kDefaultLr) : Options(lr) {}
  using Options::lr;
  using Options::weight_decay;
  void check() const {}
  Self& lr(double value) { return static_cast<Self&>(Options::lr(value)); }
  Self& weight_decay(double value) { return static_cast<Self&>(Options::weight_decay(value)); }
  std::unique_ptr<Options> clone() const override {
    return std::make_unique<Self>(static_cast<const Self&>(*this));
  }
};

}  // namespace adamite::optim

// One hyperparameter: a private field with its default, a reader and a chaining setter.
#define ADAMITE_DECLARE_ARG(TYPE, NAME, DEFAULT, RANGE) \
 public:                                                \
  TYPE NAME() const {                                   \
    return NAME##_;                                     \
  }                                                     \
  auto& NAME(TYPE value) {                              \
    NAME##_ = value;                                    \
    return *this;                                       \
  }                                                     \
                                                        \
 private:                                               \
  TYPE NAME##_ = DEFAULT;

#define ADAMITE_VISIT_ARG(TYPE, NAME, DEFAULT, RANGE) \
  ::adamite::optim::detail::visit_arg(visit, #NAME, NAME##_, ::adamite::optim::Range::RANGE);

// Declares every hyperparameter of LIST (an X-macro of ARG(type, name, default, range) entries),
// visit_args over them in the same order, and the constructors Self() and Self(lr).
#define ADAMITE_OPTIONS(LIST)                                     \
  LIST(ADAMITE_DECLARE_ARG)                                       \
 public:                                                          \
  using OptionsOf::OptionsOf;                                     \
  void visit_args(::adamite::optim::ArgVisitor& visit) override { \
    LIST(ADAMITE_VISIT_ARG)                                       \
  }
