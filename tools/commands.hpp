// The subcommands of the `adamite` program. Each registers its options on the CLI11 app and
// runs when chosen; errors are thrown and turned into exit codes by main().
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <stdexcept>
#include <string>

#include "adamite/train/datasets.hpp"

namespace adamite::cli {

// Exit codes: 0 success, 1 failure while running, 2 bad command line.
// A UsageError is a bad value the parser could not catch (e.g. a missing --init file).
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
// Training stopped on a signal: the message says how to resume; exit 130 (SIGINT) or 143 (SIGTERM).
struct Interrupted : std::runtime_error {
  Interrupted(const std::string& message, int code)
      : std::runtime_error(message), exit_code(code) {}
  int exit_code;
};

// Validators whose messages a person can read (CLI11's ranges print 300-digit bounds). The number
// validators also refuse values that a 32-bit float cannot hold (infinite, or below 1.2e-38).
CLI::Validator number_at_least(double low, bool inclusive);
CLI::Validator number_in(double low, double high_exclusive);
// An unsigned 64-bit integer written as plain digits (a seed): no sign, no wrap-around.
CLI::Validator whole_number();
// A path option given as "" is a mistake, not "no path".
CLI::Validator non_empty_path();
inline CLI::Validator positive() {
  return number_at_least(0.0, false);
}
inline CLI::Validator non_negative() {
  return number_at_least(0.0, true);
}
// A name in models::model_registry(), looked up when the command line is parsed.
CLI::Validator registered_model();
// An --augment spec data::Augmentation::parse accepts, checked before any data is loaded.
CLI::Validator augmentation_spec();
// --model and --dataset, each checked against its registry, shared by train and eval.
void add_model_and_dataset_options(CLI::App* command, std::string& model, std::string& dataset);

// --precision fp32|bf16 (adamite/precision.hpp) for train, reproduce and bench: bf16 is refused
// at parse time, with the reason, on a machine that cannot run it.
void add_precision_option(CLI::App& command, std::string& precision);
// A setting that a weights file records (train --save writes model, dataset and whiten): the
// recorded one where `option` was not given, `value` where the file records none, and an error
// where a given value contradicts the record: evaluated with other preprocessing or as another
// model, the numbers would be silently wrong.
std::string recorded_setting(const std::map<std::string, std::string>& metadata,
                             const std::string& file, const std::string& key,
                             const CLI::App& command, const std::string& option,
                             const std::string& value);
// --threads N for train, reproduce and bench: 1 to 1024 (libgomp segfaults creating 100,000).
void add_threads_option(CLI::App& command, int& threads,
                        const std::string& help = "OpenMP threads (default: all cores)");
// --seed S: a whole number from 0 to 2^64-1 (whole_number), its default shown.
void add_seed_option(CLI::App& command, uint64_t& seed, const std::string& help);
// "bf16 hardware AVX512-BF16 (no AMX), oneDNN brg:avx512_core_bf16" or "... none: <why>".
std::string hardware_line();

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_fetch_command(CLI::App& app);
void add_reproduce_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_show_samples_command(CLI::App& app);

// The datasets by name live in the library (adamite/train/datasets.hpp).
using train::absolute_dataset_name;
using train::apply_whitening;
using train::dataset_names;
using train::fetch_named_dataset;
using train::kFolderPrefix;
using train::kWhitenChoices;
using train::load_named_dataset;

}  // namespace adamite::cli
