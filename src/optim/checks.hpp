// Internal to src/optim: option checks shared by the algorithms.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "adamite/optim/optimizer.hpp"

namespace adamite::optim::detail {

// A value as a user would write it (1e-10, not std::to_string's 0.000000).
inline std::string number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

// Throws "<algorithm>: <what> must be in [0, 1), got <value>" unless 0 ≤ value < 1.
inline void check_unit_interval(const std::string& algorithm, const std::string& what,
                                double value) {
  if (!(value >= 0.0 && value < 1.0))
    throw std::invalid_argument(algorithm + ": " + what + " must be in [0, 1), got " +
                                number(value));
}

// Throws "<algorithm>: <what> must be >= 0, got <value>" (or > 0 when `strict`).
inline void check_non_negative(const std::string& algorithm, const std::string& what, double value,
                               bool strict = false) {
  if (strict ? !(value > 0.0) : !(value >= 0.0))
    throw std::invalid_argument(algorithm + ": " + what +
                                (strict ? " must be > 0" : " must be >= 0") + ", got " +
                                number(value));
}

// Every group's options must be the algorithm's own Options type (anything else would be read as
// the wrong struct); each is then handed to `check`, which validates its ranges.
template <class AlgorithmOptions, class Check>
void check_groups(const std::vector<ParamGroup>& groups, const std::string& algorithm,
                  Check check) {
  for (const ParamGroup& group : groups) {
    const auto* options = dynamic_cast<const AlgorithmOptions*>(group.options.get());
    if (options == nullptr)
      throw std::invalid_argument(algorithm +
                                  ": a parameter group's options are of another optimizer's type");
    check(*options);
  }
}

}  // namespace adamite::optim::detail
