// `adamite reproduce` end to end on tiny subsets of the real data: every experiment writes its
// CSVs, its figure and its report section; every run of a comparison starts from the same weights.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "reproduce_support.hpp"

namespace {
namespace fs = std::filesystem;
using namespace adamite::testing::reproduce_files;

// Well-formed enough for any SVG viewer: one root, every tag closed in order, no stray '<' or '&'.
void check_svg(const fs::path& file) {
  CAPTURE(file);
  const std::string svg = read_file(file);
  REQUIRE(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);
  std::vector<std::string> open;
  for (size_t i = 0; i < svg.size(); ++i) {
    if (svg[i] == '&') {
      const size_t end = svg.find(';', i);
      REQUIRE(end != std::string::npos);
      REQUIRE(end - i < 10);
      continue;
    }
    if (svg[i] != '<') continue;
    const size_t end = svg.find('>', i);
    REQUIRE(end != std::string::npos);
    const std::string tag = svg.substr(i + 1, end - i - 1);
    REQUIRE(tag.find('<') == std::string::npos);
    i = end;
    if (tag.empty() || tag[0] == '?' || tag[0] == '!' || tag.back() == '/') continue;
    if (tag[0] == '/') {
      REQUIRE(!open.empty());
      CHECK(tag.substr(1) == open.back());
      open.pop_back();
    } else {
      open.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
    }
  }
  CHECK(open.empty());
}

}  // namespace

TEST_CASE("reproduce: every experiment on a tiny subset writes CSVs, figures and the report") {
  adamite::testing::TempDir dir;
  const fs::path out = dir / "results";
  const int status = run_reproduce(
      dir.path(), "all --quick --epochs 2 --train-subset 300 --test-subset 200 --seed 5");
  const std::string log = read_file(dir / "log.txt");
  INFO(log);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(log.find("report: ") != std::string::npos);

  const std::string report = read_file(out / "report.md");
  const std::map<std::string, size_t> runs_per_experiment = {
      {"fig1-mnist", 3}, {"fig1-imdb", 8}, {"fig2-dropout", 5}, {"fig2-deterministic", 7},
      {"fig3", 6},       {"adamax", 2},    {"averaging", 2}};
  for (const auto& [id, runs] : runs_per_experiment) {
    CAPTURE(id);
    const fs::path folder = out / (id + "-seed5");  // a seed other than 0 has its own folder
    // The paper's protocol: one initial state for every optimizer of a comparison.
    const auto summary = read_csv(folder / "summary.csv");
    REQUIRE(summary.size() == runs + 1);
    const size_t checksum = column(summary[0], "init_checksum");
    const size_t epochs = column(summary[0], "epochs");
    std::set<std::string> checksums;
    for (size_t r = 1; r < summary.size(); ++r) {
      REQUIRE(summary[r].size() == summary[0].size());
      checksums.insert(summary[r][checksum]);
      CHECK(summary[r][checksum].size() == 16);
      CHECK(summary[r][epochs] == "2");
    }
    CHECK(checksums.size() == 1);

    // A CSV per run with a row per epoch, all numbers; and one per full-length finalist.
    int run_files = 0, finalist_files = 0;
    for (const auto& entry : fs::directory_iterator(folder)) {
      const std::string name = entry.path().filename().string();
      if (name == "summary.csv" || name == "lr-search.csv" || entry.path().extension() != ".csv" ||
          name.find("-iterations") != std::string::npos ||
          name.find("-second-moment") != std::string::npos)
        continue;
      ++(name.find("-lr-") != std::string::npos ? finalist_files : run_files);
      const auto rows = read_csv(entry.path());
      CAPTURE(name);
      REQUIRE(rows.size() == 3);
      CHECK(rows[0][0] == "epoch");
      for (size_t r = 1; r < rows.size(); ++r)
        for (const std::string& cell : rows[r]) CHECK(std::isfinite(std::stod(cell)));
    }
    CHECK(run_files == int(runs));
    CHECK(finalist_files >= 2);

    // Exactly one chosen learning rate per searched contender, and it is one that was tried.
    const auto trials = read_csv(folder / "lr-search.csv");
    const size_t chosen_column = column(trials[0], "chosen");
    std::map<std::string, int> chosen;
    for (size_t r = 1; r < trials.size(); ++r)
      chosen[trials[r][0]] += trials[r][chosen_column] == "1";
    CHECK(!chosen.empty());
    for (const auto& [label, count] : chosen) {
      CAPTURE(label);
      CHECK(count == 1);
    }

    check_svg(folder / (id + ".svg"));
    CHECK(report.find("(" + id + "-seed5/" + id + ".svg)") != std::string::npos);
  }
  // Fig. 3 plots its first epochs per iteration: 300 images at batch 128 are 3 steps per epoch.
  const auto iterations = read_csv(out / "fig3-seed5" / "adam-dropout-iterations.csv");
  CHECK(iterations.size() == 1 + 2 * 3);
  // §6.3: Adam's √v̂ per parameter tensor (the CNN has 10) after each epoch, read back whole.
  for (const std::string run : {"adam-dropout", "adam"}) {
    const auto second_moment = read_csv(out / "fig3-seed5" / (run + "-second-moment.csv"));
    REQUIRE(second_moment.size() == 1 + 2 * 10);
    CHECK(second_moment[0][2] == "fraction_sqrt_v_hat_below_eps");
    for (size_t r = 1; r < second_moment.size(); ++r) {
      CHECK(second_moment[r][0] == (r <= 10 ? "1" : "2"));
      const double fraction = std::stod(second_moment[r][2]);
      CHECK((fraction >= 0 && fraction <= 1));
      CHECK(std::stod(second_moment[r][3]) >= 0);
    }
  }
  CHECK(!fs::exists(out / "fig3-seed5" / "adagrad-second-moment.csv"));
  // Fig. 1 on the paper's linear axis: evenly spaced plain numbers, no powers of ten.
  const std::string fig1 = read_file(out / "fig1-mnist-seed5" / "fig1-mnist.svg");
  std::vector<double> ticks;
  for (size_t at = fig1.find("class=\"ytick\""); at != std::string::npos;
       at = fig1.find("class=\"ytick\"", at + 1)) {
    const size_t text = fig1.find('>', at) + 1;
    CHECK(fig1.compare(text, 6, "<tspan") != 0);
    ticks.push_back(std::stod(fig1.substr(text, fig1.find('<', text) - text)));
  }
  REQUIRE(ticks.size() >= 3);
  for (size_t i = 2; i < ticks.size(); ++i)
    CHECK(ticks[i] - ticks[i - 1] == doctest::Approx(ticks[1] - ticks[0]));
  CHECK(ticks.front() <= 0.2);
  CHECK(ticks.back() >= 0.7);

  // Fig. 4: the whole grid, 2 β1 × 3 β2 × 5 α × bias correction on/off, from one initial state.
  const auto grid = read_csv(out / "fig4-seed5" / "grid.csv");
  REQUIRE(grid.size() == 61);
  std::set<std::string> checksums;
  for (size_t r = 1; r < grid.size(); ++r) checksums.insert(grid[r].back());
  CHECK(checksums.size() == 1);
  check_svg(out / "fig4-seed5" / "fig4.svg");
  CHECK(report.find("(fig4-seed5/fig4.svg)") != std::string::npos);
  // A run that diverged is drawn on the top edge and listed, never dropped: at α = 10⁻¹ some do.
  size_t diverged = 0;
  for (size_t r = 1; r < grid.size(); ++r) diverged += grid[r][column(grid[0], "diverged")] == "1";
  REQUIRE(diverged > 0);
  // Bias correction red, none green, in every β1 × β2 subplot of both rows; the diverged runs
  // are markers on the top edge and listed in the caption.
  const std::string fig4 = read_file(out / "fig4-seed5" / "fig4.svg");
  CHECK(fig4.find("(top edge)") != std::string::npos);
  CHECK(fig4.find("stroke=\"#D62728\"") != std::string::npos);
  CHECK(fig4.find("stroke=\"#2CA02C\"") != std::string::npos);
  size_t captions = 0;
  for (size_t at = fig4.find("class=\"caption\""); at != std::string::npos;
       at = fig4.find("class=\"caption\"", at + 1))
    captions += fig4.find(": diverged in epoch", at) < fig4.find("</text>", at);
  CHECK(captions >= diverged);
  CHECK(fig4.find("epochs: β1=0.9, β2=0.9999") != std::string::npos);
  const size_t off_scale = report.find("Off the scale (drawn on the top edge):");
  REQUIRE(off_scale != std::string::npos);
  CHECK(report.find(": diverged in epoch 1", off_scale) != std::string::npos);

  // Each searched rate's two best were run at full length, and the better one is drawn.
  const auto fig2_trials = read_csv(out / "fig2-dropout-seed5" / "lr-search.csv");
  int full_length = 0;
  for (size_t r = 1; r < fig2_trials.size(); ++r)
    full_length += fig2_trials[r][column(fig2_trials[0], "round")] == "3";
  CHECK(full_length == 2 * 5);
  CHECK(report.find("Full-length finalists (score): AdaGrad at ") != std::string::npos);

  // The report states every claim with a verdict, its margin and its numbers.
  size_t verdicts = 0;
  for (const std::string verdict : {"| **yes** |", "| **no** |", "| **inconclusive** |"})
    for (size_t at = report.find(verdict); at != std::string::npos;
         at = report.find(verdict, at + 1))
      ++verdicts;
  CHECK(verdicts >= 3 + 3 + 1 + 1 + 10 + 2 + 1 + 1);
  CHECK(report.find("rapid progress in the initial stage") != std::string::npos);
  CHECK(report.find("second moment estimate vanishes") != std::string::npos);
  CHECK(report.find("Not reproduced") == std::string::npos);
}

TEST_CASE("reproduce: fig2-deterministic puts SFO beside Adam against passes and time") {
  adamite::testing::TempDir dir;
  const fs::path out = dir / "results";
  const int status = run_reproduce(
      dir.path(), "fig2-deterministic --quick --epochs 2 --train-subset 512 --test-subset 200");
  const std::string log = read_file(dir / "log.txt");
  INFO(log);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const fs::path folder = out / "fig2-deterministic";
  const auto summary = read_csv(folder / "summary.csv");
  std::map<std::string, std::vector<std::string>> rows;
  for (size_t r = 1; r < summary.size(); ++r) rows[summary[r][0]] = summary[r];
  for (const std::string label : {"\"SFO\"", "\"SFO (dropout)\"", "\"Adam\""}) {
    CAPTURE(label);
    REQUIRE(rows.count(label) == 1);
    CHECK(std::stod(rows[label][column(summary[0], "seconds_per_step")]) > 0);
  }
  CHECK(rows["\"SFO\""][column(summary[0], "optimizer")] == "sfo");
  CHECK(std::stod(rows["\"SFO\""][column(summary[0], "state_bytes")]) > 0);
  // A row per pass with the full-batch cost, for SFO and Adam alike.
  for (const std::string file : {"sfo.csv", "adam.csv"}) {
    CAPTURE(file);
    const auto passes = read_csv(folder / file);
    REQUIRE(passes.size() == 3);
    CHECK(passes[0].back() == "full_batch_cost");
    CHECK(std::stod(passes[2].back()) > 0);
  }
  // Both x axes, with SFO and Adam on each.
  const std::string svg = read_file(folder / "fig2-deterministic.svg");
  CHECK(svg.find("passes over the training set") != std::string::npos);
  CHECK(svg.find("wall-clock seconds") != std::string::npos);
  check_svg(folder / "fig2-deterministic.svg");
  // The claims, each with a verdict.
  const std::string report = read_file(out / "report.md");
  const size_t claims = report.find("**Claims**");
  REQUIRE(claims != std::string::npos);
  for (const std::string claim :
       {"faster progress than SFO per pass", "faster progress than SFO in wall-clock time",
        "5-10x slower per iteration", "linear in the number of minibatches",
        "fails to converge on the cost with dropout"}) {
    CAPTURE(claim);
    const size_t at = report.find(claim, claims);
    REQUIRE(at != std::string::npos);
    CHECK(report.rfind("| **", at) > claims);
  }
}

TEST_CASE("reproduce: a panel's name runs that panel alone") {
  adamite::testing::TempDir dir;
  const fs::path out = dir / "results";
  const int status = run_reproduce(
      dir.path(), "fig1-mnist --quick --epochs 1 --train-subset 300 --test-subset 200");
  const std::string log = read_file(dir / "log.txt");  // INFO is lazy: no assertion inside it
  INFO(log);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::set<std::string> written;
  for (const auto& entry : fs::directory_iterator(out)) written.insert(entry.path().filename());
  CHECK(written == std::set<std::string>{"fig1-mnist", "report.md"});
  CHECK(read_csv(out / "fig1-mnist" / "summary.csv").size() == 4);
}

TEST_CASE("reproduce: bad arguments are refused with exit code 2") {
  for (const std::string arguments : {"reproduce", "reproduce fig9", "reproduce fig1 --epochs 0",
                                      "reproduce fig1 --train-subset -3"}) {
    CAPTURE(arguments);
    const std::string command = std::string(ADAMITE_CLI) + " " + arguments + " > /dev/null 2>&1";
    const int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
  }
}

TEST_CASE("reproduce: an --only name that picks no run is refused before anything runs") {
  adamite::testing::TempDir dir;
  // A misspelt optimizer, a label of another experiment's run: exit 2, the choices named.
  REQUIRE(exit_code(run_reproduce(dir.path(), kTiny + " --only adamm")) == 2);
  std::string log = read_file(dir / "log.txt");
  CHECK(log.find("--only adamm: no run of fig1-mnist") != std::string::npos);
  CHECK(log.find("adagrad, adam, nesterov") != std::string::npos);
  CHECK(!fs::exists(dir / "results"));  // refused before any folder is made
  REQUIRE(exit_code(run_reproduce(dir.path(), kTiny + " --only adam-dropout")) == 2);
  // Optimizers, labels, a finalist's label and a point of Figure 4's grid are all names of runs.
  const std::string names =
      "adam,nesterov,adagrad,adam-lr-0-001,beta1-0-9-beta2-0-999-lr-1e-3-corrected";
  REQUIRE(exit_code(run_reproduce(dir.path(), "fig1-mnist fig4 --quick --plan --only " + names)) ==
          0);
}

TEST_CASE("reproduce: SFO on the dropout cost runs its own 20 passes, and the report says why") {
  adamite::testing::TempDir dir;
  REQUIRE(exit_code(run_reproduce(dir.path(),
                                  "fig2-deterministic --quick --epochs 25 "
                                  "--train-subset 256 --test-subset 100 --only "
                                  "sfo-dropout")) == 0);
  const fs::path folder = dir / "results" / "fig2-deterministic";
  const std::string run = read_file(folder / "sfo-dropout.run");
  REQUIRE(run.find("diverged=0\n") != std::string::npos);  // else it would end where it diverged
  CHECK(run.find("setting.epochs=20\n") != std::string::npos);
  CHECK(read_csv(folder / "sfo-dropout.csv").size() == 21);  // a header and 20 passes
  CHECK(read_file(dir / "results" / "report.md")
            .find("SFO (dropout) ran 20 of the 25 passes, its own length") != std::string::npos);
}

TEST_CASE("reproduce: --sfo-passes ends SFO's runs early and the report says so") {
  adamite::testing::TempDir dir;
  const std::string args =
      "fig2-deterministic --quick --epochs 3 --train-subset 512 --test-subset 200 --only adam,sfo";
  REQUIRE(exit_code(run_reproduce(dir.path(), args + " --sfo-passes 2")) == 0);
  const fs::path folder = dir / "results" / "fig2-deterministic";
  CHECK(read_csv(folder / "adam.csv").size() == 4);  // a header and 3 epochs
  CHECK(read_csv(folder / "sfo.csv").size() == 3);   // 2 passes
  CHECK(read_csv(folder / "sfo-dropout.csv").size() <= 3);
  CHECK(read_file(folder / "sfo.run").find("setting.epochs=2\n") != std::string::npos);
  const std::string report = read_file(dir / "results" / "report.md");
  CHECK(report.find("SFO ran 2 of the 3 passes") != std::string::npos);
  CHECK(report.find("faster progress than SFO per pass") != std::string::npos);
  // Another length is another run: the 2-pass one is not taken for 3 passes.
  REQUIRE(exit_code(run_reproduce(dir.path(), args)) == 0);
  CHECK(read_csv(folder / "sfo.csv").size() == 4);
  CHECK(read_file(dir / "results" / "report.md").find("SFO ran") == std::string::npos);
}
