#include "adamite_cli.hpp"

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>

#include "adamite/denormals.hpp"
#include "adamite/distributed/communicator.hpp"
#include "adamite/train/fit.hpp"
#include "commands.hpp"
#include "stop_signals.hpp"

namespace {

// Under MPI every process runs this program. Errors that all of them meet alike (a bad option,
// a signal, a diverged loss) are reported once, by rank 0; an error of one process alone names
// its rank and stops the others, which would otherwise wait for it.
int fail(const std::string& message, int exit_code, bool all_processes) {
  using namespace adamite::distributed;
  const int rank = launcher_rank();
  if (!all_processes || rank == 0)
    std::cerr << "adamite: "
              << (launcher_size() > 1 && !all_processes ? "rank " + std::to_string(rank) + ": "
                                                        : std::string())
              << message << '\n';
  if (!all_processes) abort_others(exit_code);
  return exit_code;
}

}  // namespace

int adamite::cli::run(int argc, char** argv) {
  adamite::cli::route_stop_signals();
  // A file-size limit (ulimit -f) then makes write() fail with EFBIG, which every writer reports
  // like a full disk (naming the file, keeping the previous one), instead of SIGXFSZ killing the
  // program (exit 153, no message, a temporary left behind).
  std::signal(SIGXFSZ, SIG_IGN);
  // Every command trains or times training: denormals flushed (adamite/denormals.hpp).
  const adamite::FlushDenormals flush_denormals;
  // Only rank 0 prints (under mpirun every process would print the same lines).
  if (adamite::distributed::launcher_rank() != 0) std::cout.setstate(std::ios::badbit);
  CLI::App app{
      "adamite: a small, fast C++ neural-network trainer (Kingma & Ba's Adam, and friends)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "adamite 0.1.0");
  adamite::cli::add_train_command(app);
  adamite::cli::add_eval_command(app);
  adamite::cli::add_predict_command(app);
  adamite::cli::add_fetch_command(app);
  adamite::cli::add_reproduce_command(app);
  adamite::cli::add_bench_command(app);
  adamite::cli::add_show_samples_command(app);
  // CLI11 would only say "a subcommand is required"; name the word the user typed instead.
  if (argc > 1 && argv[1][0] != '-') {
    try {
      app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      return fail(std::string("unknown command '") + argv[1] +
                      "' (commands: train, eval, predict, fetch, reproduce, bench, show-samples; "
                      "see --help)",
                  2, true);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (see --help)", 2, true);
  } catch (const adamite::cli::Interrupted& e) {
    return fail(e.what(), e.exit_code, true);
  } catch (const adamite::cli::UsageError& e) {
    return fail(e.what(), 2, true);
  } catch (const adamite::train::NonFiniteError& e) {  // every process sees the same summed loss
    return fail(std::string("error: ") + e.what(), 1, true);
  } catch (const std::bad_alloc&) {  // the readers name their file; this is everything else
    return fail(
        "error: out of memory (std::bad_alloc): the model, the dataset or --batch-size is "
        "too large for this machine's memory",
        1, false);
  } catch (const std::exception& e) {
    return fail(std::string("error: ") + e.what(), 1, false);
  }
  // What was printed is the result (predict's classes, bench's JSON): a full disk behind stdout
  // (`> /dev/full`) is a failure, not a success. Other ranks' stdout is bad on purpose.
  if (adamite::distributed::launcher_rank() == 0 && !std::cout.flush())
    return fail("error: cannot write to standard output", 1, false);
  return 0;
}
