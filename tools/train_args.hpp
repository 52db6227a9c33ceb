// What `adamite train` was asked, as parsed from its command line (train_args.cpp registers the
// options; train_sfo.cpp reads them for --optimizer sfo; resume_settings.cpp fills them from a
// checkpoint).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "adamite/optim/registry.hpp"

namespace adamite::cli {

struct TrainArgs {
  std::string model = "mlp", dataset = "mnist", optimizer = "adam";
  optim::Hyperparameters hyper;
  bool no_bias_correction = false, no_shuffle = false, list_optimizers = false, centered = false;
  int64_t epochs = 10, batch_size = 128, max_steps = -1, micro_batches = 1;
  bool rank_order_reduce = false;
  double mpi_timeout = 0.0;
  uint64_t seed = 0;
  int threads = 0;
  float dropout = 0.5f, input_dropout = -1.0f;
  std::string log, plot, save, init;
  std::string schedule = "constant", average, whiten = "auto";
  int64_t warmup = 0;
  double clip_grad_norm = 0.0;
  float label_smoothing = 0.0f;
  std::string augment = "none";
  int64_t validation = 0, early_stop = 0;
  std::string checkpoint, checkpoint_every = "epoch", resume;
  std::string precision = "fp32";
};

// Registers every option of `adamite train` on cmd, bound to args (tools/train_args.cpp).
void add_train_options(CLI::App* cmd, TrainArgs& args);

}  // namespace adamite::cli
