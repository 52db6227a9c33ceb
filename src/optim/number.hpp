// Internal to src/optim: a value as a user would write it (1e-10, not std::to_string's 0.000000),
// for error messages and the registry's defaults.
#pragma once

#include <sstream>
#include <string>

namespace adamite::optim::detail {

inline std::string number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

}  // namespace adamite::optim::detail
