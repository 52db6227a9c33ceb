// The `adamite` program as a function, so that a program of your own can register its models
// (models/registry.hpp) and then be the whole command line: train, eval, predict, fetch,
// reproduce, bench, show-samples (docs/guide.md, "Your own model in the adamite program").
// Link the CMake target adamite::cli.
#pragma once

namespace adamite::cli {

// Parses argc/argv as `adamite` does and runs the command; returns the exit code (0 success,
// 1 failure while running, 2 bad command line, 130/143 stopped by SIGINT/SIGTERM). Call it once
// per process: it installs the signal handlers that stop training with a checkpoint.
int run(int argc, char** argv);

}  // namespace adamite::cli
