#include <sstream>

#include "commands.hpp"

namespace adamite::cli {
namespace {
bool parse_number(const std::string& text, double& value) {
  std::istringstream in(text);
  in >> value;
  return in && in.peek() == std::char_traits<char>::eof();
}
}  // namespace

CLI::Validator number_at_least(double low, bool inclusive) {
  std::ostringstream bound;
  bound << low;
  const std::string rule = (inclusive ? ">= " : "> ") + bound.str();
  return CLI::Validator(
      [low, inclusive, rule](std::string& text) -> std::string {
        double value = 0;
        if (!parse_number(text, value)) return "'" + text + "' is not a number";
        const bool ok = inclusive ? value >= low : value > low;
        return ok ? "" : "must be " + rule + ", got " + text;
      },
      "NUMBER " + rule);
}

CLI::Validator number_in(double low, double high_exclusive) {
  std::ostringstream range;
  range << "[" << low << ", " << high_exclusive << ")";
  return CLI::Validator(
      [low, high_exclusive, range = range.str()](std::string& text) -> std::string {
        double value = 0;
        if (!parse_number(text, value)) return "'" + text + "' is not a number";
        return value >= low && value < high_exclusive ? ""
                                                      : "must be in " + range + ", got " + text;
      },
      "NUMBER in " + range.str());
}

}  // namespace adamite::cli
