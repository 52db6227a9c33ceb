#include "vae_experiment.hpp"

#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>

#include "adamite/io/atomic_file.hpp"
#include "adamite/random.hpp"
#include "adamite/train/run.hpp"
#include "claim_test.hpp"
#include "experiment_data.hpp"
#include "harness_progress.hpp"
#include "initial_weights.hpp"
#include "models/vae.hpp"
#include "outputs.hpp"
#include "results.hpp"
#include "run_plan.hpp"
#include "run_store.hpp"
#include "run_training.hpp"
#include "svg_chart.hpp"
#include "vae_grid.hpp"

namespace adamite::reproduce {
namespace {
namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The negative ELBO as the loss; progress, and each epoch's loss. Step s draws its
// reparameterisation noise from a generator seeded by (seed, s): the same noise for every run, and
// a resumed run draws what the whole run would have drawn.
struct VaeCallbacks : StoppableRun {
  VaeCallbacks(models::Vae& vae_model, uint64_t seed, RunRecord& run_record,
               HarnessProgress& harness_progress, int64_t total_epochs, Session* run_session,
               const Resumable* run_resumable)
      : StoppableRun(run_record, run_session, run_resumable),
        vae(vae_model),
        noise_seed((seed + 2) << 32),
        progress(harness_progress),
        epochs(total_epochs) {}
  Tensor loss(nn::Module&, const data::Batch& batch) override {
    noise.seed_(noise_seed + uint64_t(run->optimizer().step_count()));
    return vae.negative_elbo(batch.inputs, noise);
  }
  void on_step(int64_t epoch, int64_t batch, int64_t batches, double loss) override {
    progress.step(epoch, epochs, batch, batches, loss);
    const auto now = std::chrono::steady_clock::now();
    if (steps++ == 0) first_step_end = now;  // the first step allocates: not timed
    seconds_after_first = std::chrono::duration<double>(now - first_step_end).count();
  }
  void on_epoch(const train::EpochResult& r) override {
    record.epochs.push_back(r);
    record.epochs.back().seconds += seconds_before;
  }
  std::chrono::steady_clock::time_point first_step_end;
  int64_t steps = 0;
  double seconds_after_first = 0.0, seconds_before = 0.0;
  models::Vae& vae;
  uint64_t noise_seed;
  Generator noise;
  HarnessProgress& progress;
  int64_t epochs;
};

}  // namespace

namespace {

constexpr double kTopEdge = 1000;  // the figures' y axis ends here, as the paper's do
constexpr const char* kRed = "#D62728";
constexpr const char* kGreen = "#2CA02C";

// The paper's two rows: the loss after 10 epochs and after 100; a shorter run reads its first
// row at min(10, length), and has one row when that is its end.
std::vector<int64_t> rows_for(int64_t epochs) {
  const int64_t early = std::min<int64_t>(10, epochs);
  return early < epochs ? std::vector<int64_t>{early, epochs} : std::vector<int64_t>{epochs};
}

// Paper's layout: a block per epoch read, in it a row per β1 and a column per β2, x = log10 α;
// bias correction red, none green. A run that diverged or ended above the top edge is a marker
// on that edge in its colour, and listed in the caption: never a point that looks ordinary.
Figure vae_figure(const std::vector<GridPoint>& grid, const std::vector<int64_t>& rows) {
  Figure figure;
  figure.title = "Figure 4: bias correction, VAE on MNIST (loss after ";
  for (size_t r = 0; r < rows.size(); ++r)
    figure.title += (r ? " and " : "") + std::to_string(rows[r]);
  figure.title += " epochs)";
  figure.columns = 3;
  for (const int64_t epoch : rows)
    for (double beta1 : {0.0, 0.9})
      for (double beta2 : {0.99, 0.999, 0.9999}) {
        Panel panel;
        std::ostringstream title;
        title << "after " << epoch << (epoch == 1 ? " epoch" : " epochs") << ": β1=" << beta1
              << ", β2=" << beta2;
        panel.title = title.str();
        panel.x_label = "log10(α)";
        panel.y_label = "loss (negative ELBO)";
        panel.x_min = -5;
        panel.x_max = -1;
        panel.y_max = kTopEdge;
        for (bool correction : {true, false}) {
          const std::string kind = correction ? "bias correction" : "no correction";
          Series series{kind, {}, {}, true, correction ? kRed : kGreen};
          Series off = series;
          off.label = "diverged or above " + format_number(kTopEdge) + " (top edge), " + kind;
          for (const GridPoint& p : grid) {
            if (p.beta1 != beta1 || p.beta2 != beta2 || p.bias_correction != correction) continue;
            const std::string why = p.off_scale(epoch, kTopEdge);
            series.x.push_back(p.log10_lr);
            series.y.push_back(why.empty() ? p.loss_at(epoch) : kNaN);
            if (why.empty()) continue;
            off.x.insert(off.x.end(), {p.log10_lr, kNaN});  // NaN: each marker stands alone
            off.y.insert(off.y.end(), {kTopEdge, kNaN});
            figure.caption.push_back("On the top edge, after " + std::to_string(epoch) +
                                     " epochs: " + p.name() + ": " + why);
          }
          panel.series.push_back(series);
          if (!off.x.empty()) panel.series.push_back(off);
        }
        figure.panels.push_back(panel);
      }
  return figure;
}

// A point's losses and whether it diverged, from its run.
void take_losses(GridPoint& point, const RunRecord& run) {
  point.finished = true;
  point.diverged = run.diverged;
  point.epoch_losses.clear();
  for (const train::EpochResult& e : run.epochs) point.epoch_losses.push_back(e.train_loss);
}

// Trains one grid point from the common initial weights for `epochs` epochs (or max_steps), or
// continues it from its checkpoint: its losses into `point` and `record`; returns the mean time
// of a step after the first. Throws Stopped when the session stops it.
double train_point(GridPoint& point, RunRecord& record, const InitialWeights& initial,
                   const data::Dataset& train, const Settings& settings, HarnessProgress& progress,
                   int64_t epochs, int64_t max_steps = -1, Session* session = nullptr,
                   const Resumable* resumable = nullptr) {
  manual_seed(settings.seed + 1);
  const auto model = models::vae();
  initial.load_into(*model);
  train::RunSpec spec;
  spec.optimizer = "adam";
  spec.hyper.lr = std::pow(10.0, point.log10_lr);
  spec.hyper.beta1 = point.beta1;
  spec.hyper.beta2 = point.beta2;
  spec.hyper.bias_correction = point.bias_correction;
  spec.epochs = epochs;
  spec.max_steps = max_steps;
  spec.batch_size = settings.batch_size;
  spec.seed = settings.seed;
  train::Run run(spec, *model, train);
  VaeCallbacks callbacks(*model, settings.seed, record, progress, epochs, session, resumable);
  train::FitOptions fit = run.fit_options();
  callbacks.seconds_before = callbacks.resume(run, progress, fit.start);
  fit.callbacks = &callbacks;
  const auto start = std::chrono::steady_clock::now();
  try {
    run.fit(nullptr, fit);
  } catch (const train::NonFiniteError& error) {
    record.diverged = true;  // a non-finite loss: the run stops, its later losses stay NaN
    record.divergence = error.what();
  }
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() +
                   callbacks.seconds_before;
  take_losses(point, record);
  callbacks.throw_if_stopped(run.optimizer().step_count());
  return callbacks.steps > 1 ? callbacks.seconds_after_first / double(callbacks.steps - 1) : 0.0;
}

MeasuredTimes measure_vae_step(const InitialWeights& initial, const data::Dataset& train,
                               const Settings& settings) {
  constexpr int64_t kSteps = 6;
  GridPoint point{0.9, 0.999, -3, true, {}, false, false};
  RunRecord record;
  HarnessProgress quiet("fig4", kSteps);
  MeasuredTimes times;
  times.seconds_per_step = train_point(point, record, initial, train, settings, quiet, 1, kSteps);
  times.how = "Adam, " + std::to_string(kSteps - 1) + " steps timed";
  return times;
}

}  // namespace

void run_vae_experiment(const Settings& settings, Session& session) {
  using Mode = Settings::Mode;
  int64_t epochs = settings.quick ? 3 : 100;
  if (settings.epochs) epochs = *settings.epochs;
  const std::vector<int64_t> rows = rows_for(epochs);
  const int64_t early = rows.front();
  int64_t train_subset = settings.quick ? 2000 : -1;
  if (settings.train_subset) train_subset = *settings.train_subset;

  data::Splits splits = experiment_data("mnist", train_subset, -1, settings.seed);
  const std::string folder = experiment_folder("fig4", settings.seed);
  const fs::path dir = settings.out / folder;
  const RunStore store(dir);

  std::vector<GridPoint> grid = vae_grid();

  manual_seed(settings.seed);
  const auto initial_model = models::vae();
  const InitialWeights initial(*initial_model);
  const std::string checksum = weights_checksum(*initial_model);
  const int64_t batches = (splits.train.size() + settings.batch_size - 1) / settings.batch_size;
  HarnessProgress progress("fig4", int64_t(grid.size()) * epochs * batches);
  // Everything that decides a run besides its grid point, which its name holds.
  const train::RunConfig identity = {{"epochs", std::to_string(epochs)},
                                     {"train_examples", std::to_string(splits.train.size())},
                                     {"seed", std::to_string(settings.seed)},
                                     {"batch_size", std::to_string(settings.batch_size)},
                                     {"init_checksum", checksum}};
  int64_t runs_left = 0, steps_left = 0;
  double seconds = 0.0;  // the finished runs' wall time, whichever invocation trained them

  for (size_t i = 0; i < grid.size(); ++i) {
    GridPoint& point = grid[i];
    Contender contender;
    contender.label = point.name();
    contender.optimizer = "adam";
    if (const auto finished = store.load_finished(contender, identity)) {
      take_losses(point, *finished);
      seconds += finished->seconds;
      continue;
    }
    if (settings.mode != Mode::train || !selected(contender, settings.only)) {
      ++runs_left;
      RunRecord so_far;  // a started run counts what its checkpoint stands after
      if (fs::exists(train::checkpoint_file(store.checkpoint_dir(contender.label))))
        store.load_curves(contender.label, so_far);
      steps_left += (epochs - int64_t(so_far.epochs.size())) * batches;
      continue;
    }
    progress.start_run(point.name(), int64_t(i) + 1, int64_t(grid.size()));
    RunRecord record;
    record.contender = contender;
    record.lr = std::pow(10.0, point.log10_lr);
    record.init_checksum = checksum;
    train::RunConfig run_identity = identity;
    run_identity["grid_point"] = point.name();
    const Resumable resumable{store, run_identity};
    train_point(point, record, initial, splits.train, settings, progress, epochs, -1, &session,
                &resumable);
    // The losses as stored, as a later --replot reads them.
    const RunRecord kept = store.save_finished(record, identity);
    take_losses(point, kept);
    seconds += kept.seconds;
    store.remove_checkpoint(contender.label);
    progress.line(point.name() + ": loss " + format_number(point.loss_at(epochs)) + " after " +
                  std::to_string(point.epoch_losses.size()) + " epochs");
  }
  if (settings.mode == Mode::plan) {
    RunPlanPrinter plan("fig4", measure_vae_step(initial, splits.train, settings));
    plan.run("the grid's " + std::to_string(runs_left) + " unfinished runs of " +
                 std::to_string(grid.size()),
             runs_left * epochs * batches, runs_left * epochs * batches - steps_left, epochs, 0,
             runs_left ? "to run" : "finished");
    session.planned_seconds += plan.finish();
    return;
  }
  if (runs_left == int64_t(grid.size())) {  // nothing to draw
    if (settings.mode == Mode::replot)
      std::cout << "fig4: no finished runs of these settings in " << dir.string()
                << ", nothing to redraw\n";
    return;
  }

  std::ostringstream table;
  table << "beta1,beta2,bias_correction,lr,loss_epoch_" << early << ",loss_epoch_" << epochs
        << ",diverged,init_checksum\n";
  for (const GridPoint& point : grid)
    table << point.beta1 << ',' << point.beta2 << ',' << point.bias_correction << ",1e"
          << point.log10_lr << ',' << point.loss_at(early) << ',' << point.loss_at(epochs) << ','
          << point.diverged << ',' << checksum << '\n';
  io::write_file_atomically(dir / "grid.csv", table.str());
  write_svg(dir / "fig4.svg", vae_figure(grid, rows));

  std::ostringstream md;
  md << "## Figure 4: bias correction terms, VAE on MNIST\n\n"
     << "A variational auto-encoder (784-500 softplus encoder, 50-dimensional Gaussian latent, "
        "mirrored decoder, Bernoulli likelihood) trained with Adam for every β1 ∈ {0, 0.9}, β2 ∈ "
        "{0.99, 0.999, 0.9999} and log10 α ∈ {−5, …, −1}, with and without the bias-correction "
        "terms; the paper plots the loss after 10 and 100 epochs. It finds that with β2 close "
        "to 1 the runs without bias correction are unstable, and that the best results come with "
        "the correction.\n\n"
     << "This run: " << (settings.seed != 0 ? "seed " + std::to_string(settings.seed) + ", " : "")
     << epochs << " epochs (paper: 100), loss read after ";
  for (size_t r = 0; r < rows.size(); ++r) md << (r ? " and " : "") << rows[r];
  md << " epochs, " << splits.train.size() << " training images, minibatch " << settings.batch_size
     << ", " << grid.size() << " runs from the same initial weights (checksum " << checksum
     << "). Wall time " << format_duration(seconds)
     << ". Loss: the negative ELBO per image, averaged over the epoch as trained; a run that "
        "diverged, or whose loss is above "
     << format_number(kTopEdge) << ", is a marker on the top edge.\n\n"
     << "![Figure 4](" << folder << "/fig4.svg)\n\n";
  std::ostringstream off_list;
  for (const int64_t epoch : rows)
    for (const GridPoint& p : grid)
      if (!p.off_scale(epoch, kTopEdge).empty())
        off_list << "- after " << epoch << " epochs, β1=" << p.beta1 << ", β2=" << p.beta2
                 << ", α=1e" << p.log10_lr << ", " << (p.bias_correction ? "with" : "without")
                 << " correction: " << p.off_scale(epoch, kTopEdge) << "\n";
  if (!off_list.str().empty())
    md << "Off the scale (drawn on the top edge):\n\n" << off_list.str() << "\n";
  if (runs_left > 0)
    md << "**Incomplete**: " << runs_left << " of " << grid.size()
       << " runs are not finished yet.\n\n";
  md << "**Claims** (difference > 0 holds the claim, < 0 breaks it; a loss's noise is half its "
        "range over the last "
     << kTailEpochs << " epochs up to the one read)\n\n"
     << claims_table(vae_claims(grid, early, epochs));
  md << "\nEvery run's losses: `" << folder << "/grid.csv`.\n\n";
  io::write_file_atomically(dir / "section.md", md.str());
}

}  // namespace adamite::reproduce
