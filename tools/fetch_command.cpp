#include <csignal>
#include <iostream>

#include "adamite/fetch/fetch.hpp"
#include "commands.hpp"
#include "stop_signals.hpp"

namespace adamite::cli {

void add_fetch_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "fetch",
      "Download (or copy from $ADAMITE_DATA_MIRROR) a dataset into $ADAMITE_DATA "
      "(default ./datasets), verifying every file's MD5");
  auto names = std::make_shared<std::vector<std::string>>();
  auto offline = std::make_shared<bool>(false);
  cmd->add_option("datasets", *names, "mnist, fashion-mnist, cifar10, imdb")
      ->required()
      ->check(CLI::IsMember(data::known_datasets()));
  cmd->add_flag("--offline", *offline, "Never download: use only the mirror and local copies");
  cmd->callback([names, offline] {
    // SIGINT/SIGTERM end the running curl or tar and unwind the fetch, which removes its staging
    // files, instead of killing this process and leaving both behind.
    const StopOnSignal stop_on_signal(data::stop_fetch);
    for (const std::string& name : *names) {
      data::FetchOptions options;
      options.allow_download = !*offline;
      try {
        const auto dir = fetch_named_dataset(name, options);
        std::cout << name << ": ready in " << dir.string() << '\n';
      } catch (const data::FetchStopped&) {
        const bool interrupt = stop_signal() == SIGINT;
        throw Interrupted(std::string(interrupt ? "SIGINT" : "SIGTERM") + ": fetch of " + name +
                              " stopped; its partial files are removed",
                          interrupt ? 130 : 143);
      }
    }
  });
}

}  // namespace adamite::cli
