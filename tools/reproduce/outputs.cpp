#include "outputs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>

#include "adamite/io/atomic_file.hpp"
#include "claim_test.hpp"
#include "harness_progress.hpp"
#include "rate_search.hpp"
#include "run_store.hpp"
#include "svg_chart.hpp"

namespace adamite::reproduce {
namespace fs = std::filesystem;

std::string slug(const std::string& label) {
  std::string out;
  for (char c : label) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return "diverged";
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

std::string csv_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.8g", value);
  return text;
}

namespace {

// Whether the run's model has dropout at all (Fig. 1 left's logistic regression never does).
bool uses_dropout(const Experiment& e, const Contender& c) {
  return c.dropout && (e.input_dropout > 0.0f || (e.model != "logreg" && e.hidden_dropout > 0.0f));
}

std::string summary_csv(const ExperimentResult& result) {
  std::ostringstream csv;
  csv << "label,optimizer,lr,dropout,average,epochs,final_train_cost,test_loss,test_accuracy,"
         "seconds,diverged,seconds_per_step,state_bytes,init_checksum\n";
  for (const RunRecord& run : result.runs) {
    const bool any = !run.epochs.empty();
    csv << '"' << run.contender.label << "\"," << run.contender.optimizer << ','
        << csv_number(run.lr) << ',' << uses_dropout(result.experiment, run.contender) << ','
        << run.contender.average << ',' << run.epochs.size() << ',' << csv_number(run.final_cost())
        << ',' << csv_number(any ? run.epochs.back().test_loss : NAN) << ','
        << csv_number(any ? run.epochs.back().test_accuracy : NAN) << ',' << csv_number(run.seconds)
        << ',' << run.diverged << ',' << csv_number(run.seconds_per_step) << ',' << run.state_bytes
        << ',' << run.init_checksum << '\n';
  }
  return csv.str();
}

std::string trials_csv(const ExperimentResult& result) {
  std::ostringstream csv;
  csv << "label,round,lr,momentum,steps,scored_steps,mean_train_cost,diverged,chosen\n";
  for (const Trial& t : result.trials)
    csv << '"' << t.label << "\"," << t.round << ',' << csv_number(t.lr) << ','
        << (t.momentum >= 0 ? csv_number(t.momentum) : "") << ',' << t.steps << ','
        << t.scored_steps << ',' << csv_number(t.score) << ',' << t.diverged << ',' << t.chosen
        << '\n';
  return csv.str();
}

// One colour per optimizer (and averaging), in order of appearance; when the figure has runs
// with and without dropout, those without are dashed.
std::vector<Series> styled_series(const ExperimentResult& result) {
  std::vector<std::string> keys;
  bool any_dropout = false;
  for (const RunRecord& run : result.runs)
    any_dropout = any_dropout || uses_dropout(result.experiment, run.contender);
  std::vector<Series> series;
  for (const RunRecord& run : result.runs) {
    const std::string key = run.contender.optimizer + "|" + run.contender.average;
    const size_t index = size_t(std::find(keys.begin(), keys.end(), key) - keys.begin());
    if (index == keys.size()) keys.push_back(key);
    Series s{run.contender.label, {}, {}, run.epochs.size() <= 12, palette_colour(index)};
    s.dashed = any_dropout && !uses_dropout(result.experiment, run.contender);
    series.push_back(s);
  }
  return series;
}

Figure classifier_figure(const ExperimentResult& result) {
  const Experiment& e = result.experiment;
  const std::vector<Series> styles = styled_series(result);
  Figure figure;
  figure.title = e.title;
  if (e.iteration_epochs > 0) {
    // As the paper's Fig. 3 (left): every minibatch's cost, unsmoothed, on a linear axis.
    const int64_t shown = std::min(e.iteration_epochs, result.scale.epochs);
    Panel first;
    first.title = "first " + std::to_string(shown) + " epochs, per iteration";
    first.x_label = "passes over the training set";
    first.y_label = "training cost";
    first.x_min = 0;
    first.x_max = double(shown);
    for (size_t r = 0; r < result.runs.size(); ++r) {
      Series series = styles[r];
      series.markers = false;
      series.y = result.runs[r].iteration_costs;
      for (size_t i = 0; i < series.y.size(); ++i)
        series.x.push_back(double(i + 1) / double(result.batches_per_epoch));
      first.series.push_back(series);
    }
    figure.panels.push_back(first);
  }
  Panel main;
  main.title = std::to_string(result.scale.epochs) + " epochs";
  main.x_label = "passes over the training set";
  main.y_label = e.plot_test_loss    ? "test loss"
                 : e.full_batch_cost ? "full-batch training cost (cross-entropy + L2)"
                                     : "training cost";
  main.log_y = e.log_y;
  main.y_from = e.y_from;
  main.y_to = e.y_to;
  Panel timed = main;  // the same costs against wall-clock time (Fig. 2 (b) claims both)
  timed.title = "against wall-clock time";
  timed.x_label = "wall-clock seconds";
  main.x_min = 0;
  main.x_max = double(result.scale.epochs);  // the axis ends where the run does
  for (size_t r = 0; r < result.runs.size(); ++r) {
    const RunRecord& run = result.runs[r];
    Series series = styles[r];
    Series against_time = series;
    for (size_t i = 0; i < run.epochs.size(); ++i) {
      const double y = e.plot_test_loss ? run.epochs[i].test_loss : run.plotted_cost(i);
      series.x.push_back(double(run.epochs[i].epoch));
      series.y.push_back(y);
      against_time.x.push_back(run.epochs[i].seconds);
      against_time.y.push_back(y);
    }
    main.series.push_back(series);
    timed.series.push_back(against_time);
  }
  figure.panels.push_back(main);
  if (e.plot_against_time) figure.panels.push_back(timed);
  figure.columns = int(figure.panels.size());
  return figure;
}

std::string settings_line(const ExperimentResult& result) {
  const Experiment& e = result.experiment;
  std::ostringstream text;
  if (result.seed != 0) text << "seed " << result.seed << ", ";
  text << result.scale.epochs << " epochs (paper: " << e.epochs << "), " << result.train_examples
       << " training and " << result.test_examples << " test examples, minibatch "
       << result.batch_size << ", schedule " << e.schedule;
  if (e.weight_decay > 0) text << ", L2 " << e.weight_decay;
  text << "; every run starts from the same weights (checksum "
       << (result.runs.empty() ? "-" : result.runs.front().init_checksum) << ").";
  return text.str();
}

std::string section_markdown(const ExperimentResult& result, const std::vector<Claim>& claims) {
  const Experiment& e = result.experiment;
  const std::string folder = experiment_folder(e.id, result.seed);
  std::ostringstream md;
  md << "## " << e.title << "\n\n" << e.paper << "\n\n";
  md << "This run: " << settings_line(result) << " Its full-length runs took "
     << format_duration(result.seconds) << " (the short learning-rate trials not counted).\n\n";
  md << "![" << e.title << "](" << folder << "/" << result.figure << ")\n\n";
  md << "| optimizer | learning rate | final training cost | test loss | test accuracy | time |\n";
  md << "|---|---|---|---|---|---|\n";
  for (const RunRecord& run : result.runs) {
    const bool any = !run.diverged && !run.epochs.empty();
    char accuracy[32] = "-";
    if (any)
      std::snprintf(accuracy, sizeof accuracy, "%.2f%%", 100 * run.epochs.back().test_accuracy);
    const bool has_rate = run.contender.optimizer != "sfo";  // SFO has no learning rate
    std::string rate = has_rate ? format_number(run.lr) : "-";
    if (!run.contender.momentum_grid.empty() && run.contender.hyper.momentum)
      rate += " (momentum " + format_number(*run.contender.hyper.momentum) + ")";
    md << "| " << run.contender.label << " | " << rate << " | " << format_number(run.final_cost())
       << " | " << (any ? format_number(run.epochs.back().test_loss) : "-") << " | " << accuracy
       << " | " << format_duration(run.seconds) << " |\n";
  }
  for (const RunRecord& run : result.runs) {
    const int64_t ran = int64_t(run.epochs.size());
    if (run.diverged || ran >= result.scale.epochs) continue;
    md << "\n" << run.contender.label << " ran " << ran << " of the " << result.scale.epochs;
    if (ran == run.contender.epochs)
      md << " passes, its own length: the paper states its result in words and draws no curve.\n";
    else
      md << " passes (`--sfo-passes`): a shorter record; its curve ends there, and the claims "
            "compare the passes and the time it has.\n";
  }
  md << "\n**Claims** (" << claim_rule() << ")\n\n" << claims_table(claims);
  if (!result.trials.empty()) {
    const RateSearchPlan search{result.scale.search_steps};
    const bool two_rounds = std::any_of(result.trials.begin(), result.trials.end(),
                                        [](const Trial& t) { return t.round == 2; });
    md << "\nLearning rates were chosen in " << (two_rounds ? "three" : "two")
       << " rounds, every run from the same initial weights: each rate of the grid for "
       << search.steps << " steps";
    if (two_rounds)
      md << ", then the " << search.finalists << " with the lowest mean training cost for "
         << search.steps * search.final_factor << " steps (scored by the mean cost over their last "
         << search.steps << " steps)";
    md << "; the two best of " << (two_rounds ? "those" : "them (scored by their mean cost)")
       << " ran at full length, and the one with the lowest plotted cost averaged over its last "
          "epochs is the line drawn (all trials and finalists: `"
       << folder << "/lr-search.csv`, `round` 3 for the full-length runs; their curves: `" << folder
       << "/<label>-lr-*.csv`).\n";
    std::string finalists;
    for (const Trial& t : result.trials)
      if (t.round == 3)
        finalists += (finalists.empty() ? "" : "; ") + t.label + " at " + format_number(t.lr) +
                     (t.momentum >= 0 ? ", momentum " + format_number(t.momentum) : "") + ": " +
                     format_number(t.score) + (t.chosen ? " (chosen)" : "");
    if (!finalists.empty()) md << "\nFull-length finalists (score): " << finalists << ".\n";
  }
  md << "\n";
  return md.str();
}

// The folders of experiment `id` under `out`, seed 0's first, then other seeds' in seed order.
std::vector<std::string> seed_folders(const fs::path& out, const std::string& id) {
  std::map<uint64_t, std::string> by_seed{{0, id}};
  const std::string prefix = id + "-seed";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(out, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    uint64_t seed = 0;
    std::from_chars(name.data() + prefix.size(), name.data() + name.size(), seed);
    if (experiment_folder(id, seed) == name) by_seed[seed] = name;  // not "-seed01" nor "-seedx"
  }
  std::vector<std::string> folders;
  for (const auto& [seed, folder] : by_seed) folders.push_back(folder);
  return folders;
}

}  // namespace

void write_experiment_outputs(ExperimentResult& result, const fs::path& out) {
  const fs::path dir = out / experiment_folder(result.experiment.id, result.seed);
  fs::create_directories(dir);
  const RunStore store(dir);
  for (const RunRecord& run : result.runs) store.save_curves(run);
  io::write_file_atomically(dir / "summary.csv", summary_csv(result));
  if (!result.trials.empty()) io::write_file_atomically(dir / "lr-search.csv", trials_csv(result));
  result.figure = result.experiment.id + ".svg";
  write_svg(dir / result.figure, classifier_figure(result));
  io::write_file_atomically(dir / "section.md", section_markdown(result, check_claims(result)));
}

void write_report(const fs::path& out, const std::vector<std::string>& order) {
  std::ostringstream md;
  md << "# Kingma & Ba, *Adam* (ICLR 2015): the experiments, regenerated by adamite\n\n"
        "Each section states what the paper shows, what this run did (shortened runs say so), "
        "the figure, the learning rates chosen, and each of the paper's claims put as a numeric "
        "test on this run's numbers. Per-run CSVs are in each experiment's folder.\n\n";
  // A folder of bf16 runs says so (reproduce_command.cpp writes the marker); fp32 is the paper's.
  if (std::ifstream marker(out / "precision"); marker)
    if (std::string precision; std::getline(marker, precision) && precision != "fp32")
      md << "**Precision: " << precision
         << "** (mixed: the products of linear and convolution layers take " << precision
         << " operands and accumulate in fp32; weights and optimizers are fp32).\n\n";
  std::ostringstream sections, glance;
  VerdictCounts total;
  for (const std::string& id : order)
    for (const std::string& folder : seed_folders(out, id)) {
      std::ifstream file(out / folder / "section.md");
      if (!file) continue;
      const std::string section{std::istreambuf_iterator<char>(file), {}};
      sections << section;
      const VerdictCounts counts = count_verdicts(section);
      const std::string title =
          section.rfind("## ", 0) == 0 ? section.substr(3, section.find('\n') - 3) : folder;
      glance << "| " << title << " | `" << folder << "` | " << counts.yes << " | " << counts.no
             << " | " << counts.inconclusive << " |\n";
      if (folder == id) total += counts;  // another seed's folder checks the same claims
    }
  if (sections.str().empty()) {
    md << "No experiment has been run into this folder yet.\n";
  } else {
    md << "## The verdicts at a glance\n\nThe claims' verdicts per section below. A folder "
          "ending in `-seedN` repeats its experiment at another seed, as a check: the total "
          "counts seed 0's sections only.\n\n| section | folder | yes | no | inconclusive |\n"
          "|---|---|---|---|---|\n"
       << glance.str() << "| **total, seed 0** | | " << total.yes << " | " << total.no << " | "
       << total.inconclusive << " |\n\n"
       << sections.str();
  }
  io::write_file_atomically(out / "report.md", md.str());
}

}  // namespace adamite::reproduce
