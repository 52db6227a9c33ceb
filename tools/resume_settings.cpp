#include "resume_settings.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "commands.hpp"

namespace adamite::cli {
namespace {
namespace fs = std::filesystem;

// --init is not a setting of a resumed run: its weights come from the checkpoint.
const std::set<std::string> kNotSettings = {"help",    "list-optimizers", "init",      "resume",
                                            "threads", "mpi-timeout",     "checkpoint"};
const std::set<std::string> kOutputPaths = {"save", "log", "plot"};

}  // namespace

train::RunConfig given_settings(const CLI::App& cmd) {
  train::RunConfig settings;
  for (const CLI::Option* option : cmd.get_options()) {
    if (option->count() == 0 || option->get_lnames().empty()) continue;
    const std::string& name = option->get_lnames().front();
    if (kNotSettings.count(name)) continue;
    const std::string& value = option->results().back();
    settings[name] = kOutputPaths.count(name) ? fs::absolute(value).string()
                     : name == "dataset"      ? absolute_dataset_name(value)  // folder:PATH
                                              : value;
  }
  return settings;
}

train::RunConfig resume_settings(const CLI::App& cmd, const fs::path& dir, TrainArgs& args) {
  const train::RunConfig stored = train::checkpoint_settings(dir);
  train::RunConfig settings = given_settings(cmd);
  const std::string source = train::checkpoint_file(dir).string();
  for (const std::string name : {"epochs", "max-steps"}) {
    const auto given = settings.find(name);
    const auto kept = stored.find(name);
    if (given != settings.end() && kept != stored.end() &&
        std::strtoll(given->second.c_str(), nullptr, 10) <
            std::strtoll(kept->second.c_str(), nullptr, 10))
      throw UsageError("--" + name + " " + given->second + ": " + source + " is a run of --" +
                       name + " " + kept->second + ", and a resumed run may only train longer");
  }
  std::vector<std::string> tokens;
  for (const auto& [name, value] : stored)
    if (!settings.count(name) && !kNotSettings.count(name)) {
      tokens.push_back("--" + name + "=" + value);
      settings[name] = value;
    }
  std::reverse(tokens.begin(), tokens.end());  // CLI11 takes a vector's arguments from the back
  CLI::App fill;
  add_train_options(&fill, args);
  try {
    fill.parse(tokens);
  } catch (const CLI::ParseError& e) {
    throw UsageError(source + ": a stored setting is not valid (" + e.what() +
                     "); the file was edited or written by another version");
  }
  return settings;
}

}  // namespace adamite::cli
