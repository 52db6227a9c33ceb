// `adamite reproduce`: regenerates the Adam paper's experiments, figures and claim checks.
#include <omp.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iostream>
#include <set>

#include "adamite/fetch/fetch.hpp"
#include "adamite/io/atomic_file.hpp"
#include "adamite/precision.hpp"
#include "commands.hpp"
#include "reproduce/classifier_experiment.hpp"
#include "reproduce/harness_progress.hpp"
#include "reproduce/outputs.hpp"
#include "reproduce/vae_experiment.hpp"
#include "reproduce/vae_grid.hpp"
#include "stop_signals.hpp"

namespace adamite::cli {
namespace {

struct ReproduceArgs {
  std::vector<std::string> names;
  reproduce::Settings settings;
  std::string out = "results";
  int threads = 0;
  bool plan = false, replot = false;
  int64_t stop_after_steps = -1;
  std::string precision = "fp32";
};

// A run stopped on request (--stop-after-steps, SIGINT, SIGTERM), checkpointed: not a failure,
// not a finished reproduction either.
constexpr int kStoppedStatus = 3;

// Report order; the command-line names stand for one or more of these.
const std::vector<std::string> kSections = {
    "fig1-mnist", "fig1-imdb", "fig2-dropout", "fig2-deterministic",
    "fig3",       "fig4",      "adamax",       "averaging"};

std::vector<std::string> sections_for(const std::vector<std::string>& names) {
  std::vector<std::string> wanted;
  for (const std::string& section : kSections)
    for (const std::string& name : names)
      if (name == "all" || section == name || section.rfind(name + "-", 0) == 0) {
        wanted.push_back(section);
        break;
      }
  return wanted;
}

void write_not_reproduced(const reproduce::Settings& settings, const reproduce::Experiment& e,
                          const std::string& why) {
  const std::filesystem::path dir =
      settings.out / reproduce::experiment_folder(e.id, settings.seed);
  std::filesystem::create_directories(dir);
  io::write_file_atomically(dir / "section.md", "## " + e.title + "\n\n" + e.paper +
                                                    "\n\n**Not reproduced**: " + why + "\n\n");
}

// The precision of the runs in `out`: a file "precision" holding bf16 marks bf16 results (none
// means fp32, as every folder written before bf16 existed). Runs of the two never share a folder,
// since a folder's finished runs are reused.
void check_precision_of(const std::filesystem::path& out, const std::string& precision) {
  const std::filesystem::path marker = out / "precision";
  std::string stored = "fp32";
  if (std::ifstream in(marker); in) std::getline(in, stored);
  const bool has_results = std::filesystem::is_directory(out) && !std::filesystem::is_empty(out);
  if (has_results && stored != precision)
    throw UsageError("--out " + out.string() + " holds " + stored + " results; give the " +
                     precision + " runs a folder of their own (e.g. --out " + out.string() + "-" +
                     precision + ")");
  std::filesystem::create_directories(out);
  if (precision != "fp32") io::write_file_atomically(marker, precision + "\n");
}

// Each --only name must pick a run of the chosen experiments: a misspelt one would train nothing
// and say nothing.
void check_only(const reproduce::Settings& settings, const std::vector<std::string>& sections) {
  std::vector<reproduce::Contender> contenders;
  std::string chosen;
  for (const std::string& id : sections) {
    chosen += (chosen.empty() ? "" : ", ") + id;
    if (id == "fig4")
      for (const reproduce::GridPoint& point : reproduce::vae_grid()) {
        reproduce::Contender& run = contenders.emplace_back();
        run.label = point.name();  // as vae_experiment.cpp names its runs
        run.optimizer = "adam";
      }
    for (const auto& experiment : reproduce::classifier_experiments(settings))
      if (experiment.id == id)
        contenders.insert(contenders.end(), experiment.contenders.begin(),
                          experiment.contenders.end());
  }
  std::set<std::string> optimizers;
  for (const reproduce::Contender& contender : contenders) optimizers.insert(contender.optimizer);
  for (const std::string& name : settings.only) {
    if (std::any_of(contenders.begin(), contenders.end(), [&](const reproduce::Contender& c) {
          return reproduce::names_a_run_of(c, name);
        }))
      continue;
    std::string known, example = contenders.empty() ? "" : reproduce::slug(contenders[0].label);
    for (const std::string& optimizer : optimizers)
      known += (known.empty() ? "" : ", ") + optimizer;
    for (const reproduce::Contender& contender : contenders)  // a label that is not an optimizer
      if (reproduce::slug(contender.label) != contender.optimizer)
        example = reproduce::slug(contender.label);
    throw UsageError("--only " + name + ": no run of " + chosen +
                     " has that optimizer or label (its optimizers: " + known +
                     "; or a run's label as its CSV file spells it, e.g. " + example + ")");
  }
}

void run_reproduce(ReproduceArgs& args) {
  using Mode = reproduce::Settings::Mode;
  if (args.threads > 0) omp_set_num_threads(args.threads);
  reproduce::Settings& settings = args.settings;
  settings.out = args.out;
  if (args.plan && args.replot) throw UsageError("--plan and --replot: give one of them");
  settings.mode = args.plan ? Mode::plan : args.replot ? Mode::replot : Mode::train;
  const auto sections = sections_for(args.names);
  check_only(settings, sections);  // before any folder is made
  if (settings.mode == Mode::train) check_precision_of(settings.out, args.precision);
  const MixedPrecision precision(parse_precision(args.precision));
  if (settings.mode == Mode::replot && !std::filesystem::is_directory(settings.out))
    throw UsageError("--replot: " + settings.out.string() + " is not a folder of results");
  reproduce::Session session;
  session.steps_left = args.stop_after_steps;
  session.stop_signal = [] { return stop_signal() != 0; };
  const StopOnSignal stop_on_signal;  // SIGINT/SIGTERM: checkpoint the run, then stop
  for (const std::string& id : sections) {
    std::cout << "== " << id << (settings.quick ? " (quick)" : "") << '\n' << std::flush;
    try {
      if (id == "fig4") reproduce::run_vae_experiment(settings, session);
      for (const auto& experiment : reproduce::classifier_experiments(settings)) {
        if (experiment.id != id) continue;
        try {
          reproduce::run_classifier_experiment(experiment, settings, session);
        } catch (const data::FetchError& error) {
          // Only a dataset that cannot be had ends here; the report says so and the rest runs.
          std::cout << id << ": not reproduced: " << error.what() << '\n';
          write_not_reproduced(settings, experiment,
                               std::string("the dataset could not be fetched (") + error.what() +
                                   "). Set ADAMITE_DATA_MIRROR or run `adamite fetch " +
                                   experiment.dataset + "` with internet access.");
        }
      }
    } catch (const reproduce::Stopped& stopped) {
      if (settings.mode != Mode::plan) reproduce::write_report(settings.out, kSections);
      const int signal = stop_signal();
      throw Interrupted(std::string("stopped: ") + stopped.what(), signal == SIGINT ? 130
                                                                   : signal == SIGTERM
                                                                       ? 143
                                                                       : kStoppedStatus);
    }
    if (settings.mode != Mode::plan) reproduce::write_report(settings.out, kSections);
  }
  if (settings.mode == Mode::plan)
    std::cout << "estimated time still to run: "
              << reproduce::format_duration(session.planned_seconds)
              << " (from the step and evaluation times measured above)\n";
  else
    std::cout << "report: " << (settings.out / "report.md").string() << '\n';
}

}  // namespace

void add_reproduce_command(CLI::App& app) {
  auto args = std::make_shared<ReproduceArgs>();
  auto* cmd = app.add_subcommand(
      "reproduce",
      "Regenerate the Adam paper's experiments (Figures 1-4, AdaMax, averaging): CSVs, SVG "
      "figures and report.md with each claim checked");
  cmd->add_option("experiments", args->names,
                  "fig1 fig2 fig3 fig4 adamax averaging, or all; one panel: fig1-mnist fig1-imdb "
                  "fig2-dropout fig2-deterministic")
      ->required()
      ->check(CLI::IsMember(reproduce::experiment_names()));
  cmd->add_flag("--quick", args->settings.quick,
                "Shorter runs on data subsets (all --quick: about 15 minutes on 2 cores)");
  cmd->add_option("--epochs", args->settings.epochs,
                  "Epochs of every run (default: the paper's, or the --quick length)")
      ->check(positive());
  cmd->add_option("--sfo-passes", args->settings.sfo_passes,
                  "End SFO's runs after this many passes, for a record shorter than the "
                  "figure's (said in the report): at the paper's length SFO takes longer than "
                  "the first-order runs together, and its checkpoint (GBs) resumes only on "
                  "the machine that wrote it")
      ->check(positive());
  cmd->add_option("--train-subset", args->settings.train_subset,
                  "Train on this many examples (a seeded random subset)")
      ->check(positive());
  cmd->add_option("--test-subset", args->settings.test_subset,
                  "Evaluate on this many test examples")
      ->check(positive());
  cmd->add_option("--out", args->out, "Output folder")->capture_default_str();
  add_seed_option(*cmd, args->settings.seed,
                  "Seed of the initial weights, data order and dropout (a seed other than 0 writes "
                  "each experiment to <experiment>-seedN/)");
  add_threads_option(*cmd, args->threads);
  add_precision_option(*cmd, args->precision);
  cmd->add_option("--only", args->settings.only,
                  "Train only these runs: optimizer names (adam, nesterov, ...) or run labels "
                  "as in the CSV names (adagrad-dropout); the figure shows every finished run")
      ->delimiter(',');
  cmd->add_flag("--plan", args->plan,
                "Train nothing: list every run, what of it is done in --out, and its estimated "
                "time on this machine (from a few steps timed here)");
  cmd->add_flag("--replot", args->replot,
                "Train nothing: redraw the figures and report from the finished runs in --out");
  cmd->add_option("--stop-after-steps", args->stop_after_steps,
                  "Stop (checkpointed, exit status 3) after this many optimizer steps of full "
                  "runs; the same command continues")
      ->check(positive());
  cmd->callback([args] { run_reproduce(*args); });
}

}  // namespace adamite::cli
