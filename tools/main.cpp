// adamite: train, evaluate, fetch data and reproduce the paper from the command line.
#include <cstdio>
#include <exception>
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "adamite: a small, fast C++ neural-network trainer (Kingma & Ba's Adam, and friends)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "adamite 0.1.0");
  adamite::cli::add_train_command(app);
  adamite::cli::add_eval_command(app);
  adamite::cli::add_fetch_command(app);
  adamite::cli::add_reproduce_command(app);
  adamite::cli::add_bench_command(app);
  adamite::cli::add_show_samples_command(app);
  // CLI11 would only say "a subcommand is required"; name the word the user typed instead.
  if (argc > 1 && argv[1][0] != '-') {
    try {
      app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      std::cerr << "adamite: unknown command '" << argv[1]
                << "' (commands: train, eval, fetch, reproduce, bench, show-samples; see --help)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "adamite: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const adamite::cli::Interrupted& e) {
    std::cerr << "adamite: " << e.what() << '\n';
    return e.exit_code;
  } catch (const adamite::cli::UsageError& e) {
    std::cerr << "adamite: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "adamite: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
