// `adamite train --resume DIR` alone: a run's settings travel in its checkpoint, as the options
// that asked for the run, so a resume needs no other option. An option given again overrides the
// stored one; the checkpoint's identity check still refuses any that would change the run, and
// --epochs and --max-steps may only grow.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>

#include "adamite/train/checkpoint.hpp"
#include "train_args.hpp"

namespace adamite::cli {

// The options given on `cmd` that say which run to train and where its results go, by long name:
// {"lr": "0.01", "no-shuffle": "true", "save": "/abs/w.safetensors"}. Left out: how to start or
// resume it and how this machine runs it (--init, --resume, --checkpoint, --threads, ...). Output
// paths, and the PATH of --dataset folder:PATH, are made absolute, so a resume from another folder
// reads and writes the same files.
train::RunConfig given_settings(const CLI::App& cmd);

// For a resume from `dir`: fills `args` with the checkpoint's stored settings of every option not
// given on `cmd`, and returns the run's settings now (the stored ones, overridden by those given).
// Throws UsageError naming the checkpoint for a stored setting that does not parse, and for an
// --epochs or --max-steps below the stored one.
train::RunConfig resume_settings(const CLI::App& cmd, const std::filesystem::path& dir,
                                 TrainArgs& args);

}  // namespace adamite::cli
