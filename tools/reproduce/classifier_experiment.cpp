#include "classifier_experiment.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "adamite/random.hpp"
#include "adamite/train/run.hpp"
#include "experiment_data.hpp"
#include "harness_progress.hpp"
#include "initial_weights.hpp"
#include "outputs.hpp"
#include "provenance.hpp"
#include "rate_search.hpp"
#include "run_identity.hpp"
#include "run_plan.hpp"
#include "run_store.hpp"
#include "run_training.hpp"
#include "sfo_run.hpp"

namespace adamite::reproduce {
namespace {

// One comparison as it runs: its data and initial weights, the output folder, the progress.
class Comparison {
 public:
  Comparison(const Experiment& experiment, const Settings& settings, Session& session)
      : settings_(settings),
        session_(session),
        store_(settings.out / experiment_folder(experiment.id, settings.seed)) {
    result_.experiment = experiment;
    result_.seed = settings.seed;
    result_.scale = scale_for(experiment.dataset, experiment.model, experiment.epochs, settings);
    if (settings.quick && experiment.quick_train_subset > 0 && !settings.train_subset) {
      result_.scale.train_subset = experiment.quick_train_subset;
      result_.scale.search_steps = std::min<int64_t>(
          result_.scale.search_steps,
          (experiment.quick_train_subset + settings.batch_size - 1) / settings.batch_size);
    }
    splits_ = experiment_data(experiment.dataset, result_.scale.train_subset,
                              result_.scale.test_subset, settings.seed);
    result_.train_examples = splits_.train.size();
    result_.test_examples = splits_.test.size();
    result_.batch_size = settings.batch_size;
    result_.batches_per_epoch =
        (splits_.train.size() + settings.batch_size - 1) / settings.batch_size;
    run_steps_ = result_.scale.epochs * result_.batches_per_epoch;
    evaluated_ = result_.test_examples + (experiment.full_batch_cost ? result_.train_examples : 0);
    // One initial model for every run (its dropout layers hold no weights).
    manual_seed(settings.seed);
    initial_.emplace(*build_model(experiment, splits_.train, true));
    if (settings.mode == Settings::Mode::plan)
      planner_.emplace(experiment.id, measure_times(experiment, splits_, *initial_, settings));
    search_.steps = result_.scale.search_steps;
    // Trials as long as the run itself (--quick's CNN) tell nothing the full-length round does
    // not: the best of the first round go straight to it.
    if (search_.steps * search_.final_factor >= run_steps_) search_.final_factor = 0;
  }

  ExperimentResult run() {
    const Experiment& experiment = result_.experiment;
    // A contender is trained when selected; its rate is needed also when a selected one copies it.
    for (const Contender& c : experiment.contenders)
      if (selected(c, settings_.only)) {
        rate_needed_.insert(c.label);
        if (!c.lr_from.empty()) rate_needed_.insert(c.lr_from);
      }
    int64_t planned = 0;  // the work, so that the progress display can give an ETA for all of it
    for (const Contender& c : experiment.contenders) {
      const bool searched = c.lr_from.empty() && c.lr_grid.size() > 1;
      if (searched && rate_needed_.count(c.label) &&
          !session_.searches.count(search_key(experiment, c, result_.scale, search_, settings_)))
        planned += search_steps_planned(c.lr_grid.size(), search_) *
                   int64_t(std::max<size_t>(1, c.momentum_grid.size()));
      if (!selected(c, settings_.only)) continue;
      const size_t runs = searched ? kFullLengthFinalists : 1;
      total_runs_ += int64_t(runs);
      planned += int64_t(runs) * steps_of(c);
    }
    progress_.emplace(experiment.id, planned);

    for (const Contender& contender : experiment.contenders) {
      std::vector<Trial> rates;  // the full-length finalists, or the one rate
      if (!contender.lr_from.empty()) {
        if (chosen_.count(contender.lr_from)) {
          rates.emplace_back();
          rates.back().lr = chosen_.at(contender.lr_from);
        }
      } else if (contender.lr_grid.size() <= 1) {
        rates.emplace_back();
        rates.back().lr = contender.lr_grid.empty() ? 0.0 : contender.lr_grid.front();
      } else if (const auto trials = search(contender)) {
        for (Trial trial : *trials) {
          trial.label = contender.label;
          result_.trials.push_back(trial);
        }
        rates = full_length_finalists(*trials, kFullLengthFinalists);
      }
      if (rates.empty()) {  // its search (or the one it copies) is still to run
        if (planner_) plan_unsearched(contender);
        continue;
      }
      choose(contender, rates);
    }
    if (planner_) {
      session_.planned_seconds += planner_->finish();
      return result_;
    }
    // The runs' own time, whichever invocation trained them: the report written after training
    // is the one --replot writes.
    result_.seconds = runs_seconds_;
    if (!result_.runs.empty())
      write_experiment_outputs(result_, settings_.out);
    else if (settings_.mode ==
             Settings::Mode::replot)  // say so, rather than redraw nothing quietly
      std::cout << result_.experiment.id << ": no finished runs of these settings in "
                << store_.dir().string() << ", nothing to redraw\n";
    return result_;
  }

 private:
  // Finalists of the short rounds run at full length; the best of them is the contender's run.
  static constexpr size_t kFullLengthFinalists = 2;

  // A run's length: the experiment's, or the contender's own where shorter; SFO's may be cut
  // short (--sfo-passes), since at the paper's N it takes far longer than the first-order runs.
  int64_t epochs_of(const Contender& contender) const {
    int64_t epochs = result_.scale.epochs;
    if (contender.epochs > 0) epochs = std::min(epochs, contender.epochs);
    if (contender.optimizer == "sfo" && settings_.sfo_passes)
      epochs = std::min(epochs, *settings_.sfo_passes);
    return epochs;
  }
  int64_t steps_of(const Contender& contender) const {
    return epochs_of(contender) * result_.batches_per_epoch;
  }

  // The contender's trials, for each momentum of its grid (SGD+Nesterov) or its own.
  std::optional<std::vector<Trial>> search(const Contender& contender) {
    if (contender.momentum_grid.empty()) return search_one(contender, contender.label);
    std::vector<Trial> all;
    for (const double momentum : contender.momentum_grid) {
      Contender variant = contender;
      variant.hyper.momentum = momentum;
      auto trials = search_one(variant, contender.label + " m " + format_number(momentum));
      if (!trials) return std::nullopt;
      for (Trial& t : *trials) t.momentum = momentum;
      all.insert(all.end(), trials->begin(), trials->end());
    }
    return all;
  }

  // The trials of one setting: from this invocation, from the output folder, or run now.
  std::optional<std::vector<Trial>> search_one(const Contender& contender,
                                               const std::string& stored_as) {
    const std::string key =
        search_key(result_.experiment, contender, result_.scale, search_, settings_);
    if (!session_.searches.count(key))
      if (auto found =
              stored([&](const RunStore& store) { return store.load_search(stored_as, key); },
                     [&](const std::vector<Trial>& trials) {
                       store_.save_search(stored_as, key, trials);
                     }))
        session_.searches[key] = *found;
    const bool searched = session_.searches.count(key) > 0;
    if (planner_) {
      const auto [planned, first] = session_.planned_searches.emplace(key, result_.experiment.id);
      if (searched || first) {
        planner_->search(stored_as, search_steps_planned(contender.lr_grid.size(), search_),
                         searched);
      } else {
        planner_->shared("lr trials " + stored_as, planned->second);
        shared_searches_[contender.label] = planned->second;
      }
    }
    if (!searched && settings_.mode == Settings::Mode::train &&
        rate_needed_.count(contender.label)) {
      int64_t index = 0;
      const auto trial = [&](double candidate, int64_t steps) {
        progress_->start_run(
            "lr trial " + contender.label + " " + std::to_string(candidate) + " (" +
                std::to_string(steps) + " steps)",
            ++index,
            int64_t(contender.lr_grid.size() +
                    (search_.final_factor ? std::min(contender.lr_grid.size(), search_.finalists)
                                          : 0)));
        RunPlan plan{&contender, candidate, 1, steps, false, steps};
        plan.epochs = (steps + result_.batches_per_epoch - 1) / result_.batches_per_epoch;
        RunRecord run = train_run(result_.experiment, plan, splits_, *initial_, settings_,
                                  *progress_, &session_);
        return TrialRun{std::move(run.iteration_costs), run.diverged};
      };
      try {
        session_.searches[key] = search_rate(contender.lr_grid, search_, trial);
      } catch (const Stopped&) {
        throw;
      } catch (const std::runtime_error& error) {
        throw std::runtime_error(result_.experiment.id + ", " + contender.label + ": " +
                                 error.what());
      }
      store_.save_search(stored_as, key, session_.searches[key]);
    }
    if (!session_.searches.count(key)) return std::nullopt;
    return session_.searches[key];
  }

  // Runs (or finds) each rate at full length and keeps the one whose last epochs cost least.
  void choose(const Contender& contender, const std::vector<Trial>& rates) {
    const int64_t window = std::clamp<int64_t>(result_.scale.epochs / 10, 1, 5);
    std::optional<RunRecord> best;
    std::vector<Trial> finalists;
    const bool searched = contender.lr_from.empty() && contender.lr_grid.size() > 1;
    for (const Trial& candidate : rates) {
      const double rate = candidate.lr;
      Contender as = contender;
      if (candidate.momentum >= 0) as.hyper.momentum = candidate.momentum;
      if (searched) as.label += " @ lr " + format_number(rate);
      if (candidate.momentum >= 0) as.label += " m " + format_number(candidate.momentum);
      std::optional<RunRecord> run = full_run(as, rate);
      if (!run) continue;
      runs_seconds_ += run->seconds;
      Trial trial;
      trial.label = contender.label;
      trial.lr = rate;
      trial.momentum = candidate.momentum;
      trial.round = 3;
      trial.steps = steps_of(contender);
      trial.scored_steps = window * result_.batches_per_epoch;
      trial.score = full_length_score(*run, window);
      trial.diverged = run->diverged;
      if (!best || trial.score < full_length_score(*best, window)) {
        best = std::move(run);
        best->contender = as;
      }
      finalists.push_back(trial);
    }
    if (!best || finalists.size() < rates.size()) {
      // A finalist is missing (not trained here): the runs there are, none chosen.
      for (const Trial& t : finalists) result_.trials.push_back(t);
      return;
    }
    for (Trial& t : finalists)
      t.chosen = t.lr == best->lr && t.momentum == best->contender.hyper.momentum.value_or(-1);
    if (searched) {
      for (Trial& t : result_.trials)
        if (t.label == contender.label) t.chosen = false;  // the short rounds' pick is superseded
      result_.trials.insert(result_.trials.end(), finalists.begin(), finalists.end());
      progress_->line(contender.label + ": " +
                      best->contender.label.substr(contender.label.size() + 3) + " chosen from " +
                      std::to_string(rates.size()) + " full-length runs");
    }
    chosen_[contender.label] = best->lr;
    best->contender.label = contender.label;
    result_.runs.push_back(std::move(*best));
  }

  // The finished run at this rate: from this invocation, the output folder, or trained now
  // (resumed from its checkpoint); none under --plan, --replot, or when --only leaves it out.
  std::optional<RunRecord> full_run(const Contender& contender, double lr) {
    const int64_t epochs = epochs_of(contender), steps = steps_of(contender);
    const train::RunConfig identity =
        run_identity(result_.experiment, contender, lr, epochs, result_, search_, settings_);
    if (session_.runs.count(identity)) {  // e.g. Fig. 2's Adam again in AdaMax's comparison
      RunRecord run = session_.runs.at(identity);
      run.contender = contender;
      store_.save_finished(run, identity);
      return run;
    }
    std::optional<RunRecord> finished =
        stored([&](const RunStore& store) { return store.load_finished(contender, identity); },
               [&](const RunRecord& run) { store_.save_finished(run, identity); });
    if (finished) {
      if (planner_) planner_->run(contender.label, steps, steps, epochs, evaluated_, "finished");
      return finished;
    }
    if (planner_) {
      const auto [planned, first] = session_.planned_runs.emplace(identity, result_.experiment.id);
      if (first)
        plan_unfinished(contender);
      else
        planner_->shared("run " + contender.label, planned->second);
      return std::nullopt;
    }
    if (settings_.mode != Settings::Mode::train || !selected(contender, settings_.only))
      return std::nullopt;
    progress_->start_run(contender.label, ++runs_started_, total_runs_);
    RunPlan plan{&contender, lr,   epochs,
                 -1,         true, result_.experiment.iteration_epochs * result_.batches_per_epoch};
    const Resumable resumable{store_, identity};
    RunRecord run = train_run(result_.experiment, plan, splits_, *initial_, settings_, *progress_,
                              &session_, &resumable);
    if (run.diverged) progress_->line(contender.label + ": " + run.divergence);
    run.machine = machine_description();  // of the piece that finished it
    run.build = build_description();
    RunRecord kept = store_.save_finished(run, identity);
    store_.remove_checkpoint(contender.label);
    session_.runs[identity] = kept;
    return kept;
  }

  // The finalists of a contender whose trials are still to run (or the one run that copies its
  // rate): their settings are not known yet, but when another experiment shares the trials, it
  // shares the runs too.
  void plan_unsearched(const Contender& contender) {
    const size_t runs = contender.lr_from.empty() ? kFullLengthFinalists : 1;
    const auto shared = shared_searches_.find(contender.label);
    for (size_t i = 0; i < runs; ++i) {
      const std::string label = contender.label + (runs > 1 ? " (a finalist)" : "");
      if (shared != shared_searches_.end())
        planner_->shared("run " + label, shared->second);
      else
        planner_->run(label, steps_of(contender), 0, epochs_of(contender), evaluated_, "new");
    }
  }

  // A finished run or trials of these exact settings: in this experiment's folder, else in
  // another's under --out (Fig. 2's Adam is also AdaMax's and averaging's, trained once), which
  // `keep` copies here when training.
  template <class Find, class Keep>
  auto stored(Find find, Keep keep) const -> std::invoke_result_t<Find, const RunStore&> {
    if (auto found = find(store_)) return found;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(settings_.out, error))
      if (entry.is_directory() && entry.path() != store_.dir())
        if (auto found = find(RunStore(entry.path()))) {
          if (settings_.mode == Settings::Mode::train) keep(*found);
          return found;
        }
    return std::nullopt;
  }

  void plan_unfinished(const Contender& contender) {
    if (contender.optimizer == "sfo") {
      // Timed on the deterministic cost for both runs: a step's time is its subspace's, the same
      // on either cost, but on the dropout cost the small runs' steps are mostly rejected and
      // their time hardly grows with N (0.15 s a step estimated for N = 469, 1 s measured).
      auto model = build_model(result_.experiment, splits_.train, /*dropout=*/false);
      const SfoEstimate cost = estimate_sfo(result_.experiment, *model, *initial_, splits_.train,
                                            settings_, result_.batches_per_epoch);
      const int64_t passes =
          sfo_checkpoint_passes(train::checkpoint_file(store_.checkpoint_dir(contender.label)));
      std::ostringstream status;
      status << (passes >= 0 ? "resumes after pass " + std::to_string(passes) : "new") << "; "
             << std::setprecision(3) << cost.seconds_per_step << " s per step and "
             << cost.state_bytes / 1e9 << " GB of state, " << cost.how;
      planner_->run(contender.label, steps_of(contender),
                    std::max<int64_t>(0, passes) * result_.batches_per_epoch, epochs_of(contender),
                    evaluated_, status.str(), cost.seconds_per_step);
      return;
    }
    RunRecord so_far;
    store_.load_curves(contender.label, so_far);
    const bool started =
        std::filesystem::exists(train::checkpoint_file(store_.checkpoint_dir(contender.label)));
    const int64_t done = started ? int64_t(so_far.epochs.size()) * result_.batches_per_epoch : 0;
    planner_->run(contender.label, steps_of(contender), done, epochs_of(contender), evaluated_,
                  started ? "resumes after epoch " + std::to_string(so_far.epochs.size()) : "new");
  }

  const Settings& settings_;
  Session& session_;
  RunStore store_;
  ExperimentResult result_;
  data::Splits splits_;
  std::optional<InitialWeights> initial_;
  std::optional<RunPlanPrinter> planner_;
  std::optional<HarnessProgress> progress_;
  RateSearchPlan search_;
  int64_t run_steps_ = 0, evaluated_ = 0, runs_started_ = 0, total_runs_ = 0;
  std::set<std::string> rate_needed_;
  std::map<std::string, double> chosen_;
  // --plan: contenders whose trials another experiment counts, and which experiment.
  std::map<std::string, std::string> shared_searches_;
  double runs_seconds_ = 0.0;  // the full-length runs' own time, finalists included
};

}  // namespace

ExperimentResult run_classifier_experiment(const Experiment& experiment, const Settings& settings,
                                           Session& session) {
  return Comparison(experiment, settings, session).run();
}

}  // namespace adamite::reproduce
