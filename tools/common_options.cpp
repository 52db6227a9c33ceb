#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "adamite/data/augmentation.hpp"
#include "adamite/precision.hpp"
#include "commands.hpp"
#include "models/registry.hpp"

namespace adamite::cli {
namespace {
bool parse_number(const std::string& text, double& value) {
  std::istringstream in(text);
  in >> value;
  return in && in.peek() == std::char_traits<char>::eof();
}

// Every setting reaches the model as a 32-bit float: a value that is not finite or below float's
// smallest normal (e.g. --lr 1e-320) would silently become 0 or a denormal there.
std::string float_problem(const std::string& text, double value) {
  if (!std::isfinite(value)) return "must be finite, got " + text;
  if (value != 0.0 && std::fabs(value) < FLT_MIN)
    return "must be 0 or at least 1.2e-38 in size (a 32-bit float's smallest normal value), got " +
           text;
  return "";
}
}  // namespace

CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        // CLI11 alone wraps -1 to 2^64-1 and saturates 2^64: both would be a different seed.
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
          return "must be a whole number from 0 to 18446744073709551615, got '" + text + "'";
        errno = 0;
        std::strtoull(text.c_str(), nullptr, 10);
        return errno == ERANGE ? "must be at most 18446744073709551615, got " + text : "";
      },
      "0..2^64-1");
}

CLI::Validator non_empty_path() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return text.empty() ? "must name a file or folder, got an empty string" : "";
      },
      "PATH");
}

CLI::Validator number_at_least(double low, bool inclusive) {
  std::ostringstream bound;
  bound << low;
  const std::string rule = (inclusive ? ">= " : "> ") + bound.str();
  return CLI::Validator(
      [low, inclusive, rule](std::string& text) -> std::string {
        double value = 0;
        if (!parse_number(text, value)) return "'" + text + "' is not a number";
        if (std::string problem = float_problem(text, value); !problem.empty()) return problem;
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
        if (std::string problem = float_problem(text, value); !problem.empty()) return problem;
        return value >= low && value < high_exclusive ? ""
                                                      : "must be in " + range + ", got " + text;
      },
      "NUMBER in " + range.str());
}

CLI::Validator registered_model() {
  // Consulted when the command line is parsed, so models registered by then are all known.
  return CLI::Validator(
      [](std::string& name) -> std::string {
        for (const auto& entry : models::model_registry())
          if (entry.name == name) return "";
        return "unknown model '" + name + "' (known: " + models::model_names() + ")";
      },
      "MODEL");
}

CLI::Validator augmentation_spec() {
  return CLI::Validator(
      [](std::string& spec) -> std::string {
        try {
          data::Augmentation::parse(spec);
          return "";
        } catch (const std::invalid_argument& e) {
          return e.what();
        }
      },
      "SPEC");
}

void add_model_and_dataset_options(CLI::App* command, std::string& model, std::string& dataset) {
  command->add_option("--model", model, "Model: " + models::model_names())
      ->check(registered_model())
      ->capture_default_str();
  std::string names;
  for (const std::string& name : dataset_names()) names += name + ", ";
  command
      ->add_option("--dataset", dataset,
                   "Dataset: " + names +
                       "or folder:PATH, your own images (PATH/train/<class>/* and "
                       "PATH/test/<class>/*, or PATH/<class>/* with a tenth held out as the test "
                       "set; all of one size; docs/guide.md)")
      ->check(CLI::Validator(
          [names](std::string& name) -> std::string {
            for (const std::string& known : dataset_names())
              if (name == known) return "";
            if (name.starts_with(kFolderPrefix) && name.size() > std::string(kFolderPrefix).size())
              return "";
            return "unknown dataset '" + name + "' (known: " + names + "or folder:PATH)";
          },
          "DATASET"))
      ->capture_default_str();
}

void add_precision_option(CLI::App& command, std::string& precision) {
  command
      .add_option("--precision", precision,
                  "fp32, or bf16: the products of linear and convolution layers take bf16 "
                  "operands and accumulate in fp32; weights, gradients and the optimizer stay "
                  "fp32 (needs AMX-BF16 or AVX512-BF16)")
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            if (name == "fp32") return "";
            if (name != "bf16") return "must be fp32 or bf16, got '" + name + "'";
            const std::string why = bf16_unavailable_reason();
            return why.empty() ? "" : "bf16 is not available here: " + why;
          },
          "fp32|bf16"))
      ->capture_default_str();
}

std::string recorded_setting(const std::map<std::string, std::string>& metadata,
                             const std::string& file, const std::string& key,
                             const CLI::App& command, const std::string& option,
                             const std::string& value) {
  const auto recorded = metadata.find(key);
  if (recorded == metadata.end()) return value;
  if (command.count(option) > 0 && value != recorded->second)
    throw UsageError(option + " " + value + ": " + file + " was trained with " + option + " " +
                     recorded->second + " (leave " + option + " out to use it)");
  return recorded->second;
}

void add_threads_option(CLI::App& command, int& threads, const std::string& help) {
  constexpr int kMost = 1024;
  command.add_option("--threads", threads, help)
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            double value = 0;
            if (!parse_number(text, value) || value != std::floor(value) || value < 1 ||
                value > kMost)
              return "must be a whole number of threads from 1 to " + std::to_string(kMost) +
                     ", got '" + text + "'";
            return "";
          },
          "1.." + std::to_string(kMost)));
}

void add_seed_option(CLI::App& command, uint64_t& seed, const std::string& help) {
  command.add_option("--seed", seed, help)->check(whole_number())->capture_default_str();
}

std::string hardware_line() {
  const std::string why = bf16_unavailable_reason();
  return "bf16 hardware " + std::string(bf16_hardware_name(bf16_hardware())) +
         (why.empty() ? ", oneDNN kernel " + bf16_matmul_kernel() : ": " + why);
}

}  // namespace adamite::cli
