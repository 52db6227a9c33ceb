#include <sstream>

#include "commands.hpp"
#include "models/registry.hpp"

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

void add_model_and_dataset_options(CLI::App* command, std::string& model, std::string& dataset) {
  std::vector<std::string> model_names;
  for (const auto& m : models::model_registry()) model_names.push_back(m.name);
  command->add_option("--model", model, "Model")
      ->check(CLI::IsMember(model_names))
      ->capture_default_str();
  command->add_option("--dataset", dataset, "Dataset")
      ->check(CLI::IsMember(dataset_names()))
      ->capture_default_str();
}

}  // namespace adamite::cli
