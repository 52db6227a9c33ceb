// The Adam paper's experiments as data (design §6): which model, data, optimizers and lengths each
// figure uses, and the settings a `reproduce` invocation runs them with.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "adamite/optim/registry.hpp"

namespace adamite::reproduce {

// One line of a figure: an optimizer with its fixed hyper-parameters; the learning rate is picked
// from lr_grid by short runs (or copied from the contender named lr_from).
struct Contender {
  std::string label;      // legend text, e.g. "Adam" or "AdaGrad (no dropout)"
  std::string optimizer;  // registry name, or "sfo" (train::fit_sfo; no learning rate)
  optim::Hyperparameters hyper;
  bool dropout = true;
  std::string average;          // "" or an averaging spec ("ema:0.999"): evaluate θ̂, not θ
  std::vector<double> lr_grid;  // candidates; one value means no search
  std::vector<double> momentum_grid;  // searched with the rate (SGD+Nesterov); empty: hyper's
  std::string lr_from;                // label of a contender whose chosen rate this one reuses
  int64_t epochs = 0;  // its own length, for a run the paper shows no curve of (0: the figure's)
};

// A comparison of optimizers on one model and dataset (Figures 1–3, AdaMax, averaging).
struct Experiment {
  std::string id;     // output folder and command name, e.g. "fig2"
  std::string title;  // figure title
  std::string paper;  // what the paper shows and claims, one paragraph for the report
  std::string dataset, model;
  int64_t epochs = 1;            // the paper's length
  int64_t iteration_epochs = 0;  // also plot the cost per iteration over this many first epochs
  double weight_decay = 0.0;     // L2 on every parameter
  std::string schedule = "constant";
  float input_dropout = 0.2f, hidden_dropout = 0.5f;  // for contenders with dropout
  bool log_y = true;
  // The paper's y range on a linear axis (NaN: fitted to the data); widened when data fall outside.
  double y_from = std::numeric_limits<double>::quiet_NaN();
  double y_to = std::numeric_limits<double>::quiet_NaN();
  bool plot_test_loss = false;  // the figure plots the test loss (the claim is about it)
  // Fig. 2 (b): the full-batch training cost (cross-entropy + L2) after every epoch, and a second
  // panel against wall-clock seconds; --quick trains on quick_train_subset examples (when > 0),
  // since SFO's time and memory per step grow with the number of minibatches.
  bool full_batch_cost = false, plot_against_time = false;
  int64_t quick_train_subset = 0;
  std::vector<Contender> contenders;
};

// How one `adamite reproduce` invocation runs: the paper's lengths, or --quick ones, and overrides.
struct Settings {
  std::filesystem::path out = "results";
  uint64_t seed = 0;
  bool quick = false;
  std::optional<int64_t> epochs;        // overrides every experiment's length
  std::optional<int64_t> sfo_passes;    // SFO's runs stop after this many passes (if fewer)
  std::optional<int64_t> train_subset;  // train on this many examples (a seeded random subset)
  std::optional<int64_t> test_subset;   // evaluate on this many
  int64_t batch_size = 128;
  // train: run what is not finished in `out` yet; plan: print the runs and their estimated time;
  // replot: redraw figures and report from the finished runs in `out`, training nothing.
  enum class Mode { train, plan, replot } mode = Mode::train;
  std::vector<std::string> only;  // optimizers (registry names) or run labels; empty: every run
};

// An experiment's folder under --out: its id, or "<id>-seed<N>" for a seed other than 0. Runs of
// two seeds never share a folder: its finished runs are reused, and a run of another seed would
// write over them.
std::string experiment_folder(const std::string& id, uint64_t seed);

// Learning rates 10^low, 10^(low+½), …, 10^high (half-decades), e.g. (-5, -1) gives 9 values.
std::vector<double> half_decades(double low, double high);

// Whether `name` (an --only entry) can pick a run of `contender`: its optimizer, its label, or
// the label of one of its full-length finalists ("<label> @ lr <rate>", as slug() writes it).
bool names_a_run_of(const Contender& contender, const std::string& name);

// Whether --only picks this run: it names the optimizer, the run's label (as slug() writes it),
// the label of the contender a finalist belongs to, or one of the contender's finalists.
bool selected(const Contender& contender, const std::vector<std::string>& only);

// The experiments `reproduce` knows, in report order; fig4 (the VAE grid) is separate.
std::vector<Experiment> classifier_experiments(const Settings& settings);
// Names accepted on the command line: fig1 … fig4, a panel such as fig1-mnist, adamax,
// averaging, all.
const std::vector<std::string>& experiment_names();

// The length and data sizes an experiment actually runs with under `settings`.
struct Scale {
  int64_t epochs = 1;
  int64_t train_subset = -1;  // -1: all
  int64_t test_subset = -1;
  int64_t search_steps = 0;  // optimizer steps of each learning-rate trial
};
Scale scale_for(const std::string& dataset, const std::string& model, int64_t paper_epochs,
                const Settings& settings);

}  // namespace adamite::reproduce
