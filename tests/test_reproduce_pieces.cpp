// `adamite reproduce` in pieces: a run stopped by --stop-after-steps or a signal continues from its
// checkpoint to the very CSV an uninterrupted run writes (Figure 4's grid too); a run two
// experiments share is trained and counted once; --plan and --replot train nothing.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <limits>
#include <map>
#include <thread>
#include <vector>

#include "adamite/adamite.hpp"
#include "process_support.hpp"
#include "reproduce/run_training.hpp"
#include "reproduce_support.hpp"

namespace {
namespace fs = std::filesystem;
using namespace adamite::testing::reproduce_files;
}  // namespace

TEST_CASE("reproduce: a stopped run resumes from its checkpoint to the very CSV of a whole run") {
  adamite::testing::TempDir whole, pieces;
  REQUIRE(exit_code(run_reproduce(whole.path(), kTiny + " --only adam,nesterov")) == 0);
  // 300 examples are 3 steps per epoch: stop inside epoch 1, then after the last step of epoch 2
  // (before its evaluation), then finish.
  REQUIRE(exit_code(run_reproduce(pieces.path(), kTiny + " --only adam --stop-after-steps 2")) ==
          3);
  CHECK(read_file(pieces / "log.txt").find("checkpoint saved") != std::string::npos);
  REQUIRE(exit_code(run_reproduce(pieces.path(), kTiny + " --only adam --stop-after-steps 4")) ==
          3);
  REQUIRE(exit_code(run_reproduce(pieces.path(), kTiny + " --only adam")) == 0);
  const std::string log = read_file(pieces / "log.txt");
  INFO(log);
  CHECK(log.find("resuming from its checkpoint at epoch 2, step 6") != std::string::npos);
  const fs::path a = whole / "results" / "fig1-mnist", b = pieces / "results" / "fig1-mnist";
  CHECK(without_seconds(a / "adam.csv") == without_seconds(b / "adam.csv"));
  CHECK(read_file(a / "adam.lr-search") == read_file(b / "adam.lr-search"));
  CHECK(!fs::exists(b / "checkpoints" / "adam"));  // gone once the run finished
  CHECK(!fs::exists(b / "sgd-nesterov.csv"));      // --only adam

  // A finished run is kept: the next invocation trains only what is missing.
  REQUIRE(exit_code(run_reproduce(pieces.path(), kTiny + " --only adam,nesterov")) == 0);
  const std::string again = read_file(pieces / "log.txt");
  CHECK(again.find("Adam @ lr") == std::string::npos);
  CHECK(again.find("SGD+Nesterov @ lr") != std::string::npos);
  CHECK(without_seconds(a / "sgd-nesterov.csv") == without_seconds(b / "sgd-nesterov.csv"));
  CHECK(read_csv(b / "summary.csv").size() == 3);

  // Other settings are other runs: nothing finished is taken for them.
  REQUIRE(exit_code(run_reproduce(pieces.path(), kTiny + " --only adam --seed 9")) == 0);
  CHECK(read_file(pieces / "log.txt").find("Adam @ lr") != std::string::npos);
}

TEST_CASE("reproduce: --plan lists every run with a measured estimate and trains nothing") {
  adamite::testing::TempDir dir;
  REQUIRE(exit_code(run_reproduce(dir.path(), kTiny + " --plan")) == 0);
  const std::string log = read_file(dir / "log.txt");
  INFO(log);
  CHECK(!fs::exists(dir / "results"));
  CHECK(log.find("s per step") != std::string::npos);
  for (const std::string label : {"Adam", "SGD+Nesterov", "AdaGrad"}) {
    CHECK(log.find("lr trials " + label + " ") != std::string::npos);
    CHECK(log.find("run " + label + " ") != std::string::npos);
  }
  CHECK(log.find("3 epochs, 9 steps") != std::string::npos);
  CHECK(log.find("estimated time still to run: ") != std::string::npos);

  // After Adam has run, the plan says so, and --replot redraws the figure from the CSVs alone.
  REQUIRE(exit_code(run_reproduce(dir.path(), kTiny + " --only adam")) == 0);
  REQUIRE(exit_code(run_reproduce(dir.path(), kTiny + " --plan")) == 0);
  CHECK(read_file(dir / "log.txt").find("finished") != std::string::npos);
  const fs::path folder = dir / "results" / "fig1-mnist";
  const std::string svg = read_file(folder / "fig1-mnist.svg");
  fs::remove(folder / "fig1-mnist.svg");
  fs::remove(dir / "results" / "report.md");
  REQUIRE(exit_code(run_reproduce(dir.path(), kTiny + " --replot")) == 0);
  CHECK(read_file(dir / "log.txt").find("Adam @ lr") == std::string::npos);
  CHECK(read_file(folder / "fig1-mnist.svg") == svg);
  CHECK(read_file(dir / "results" / "report.md").find("| Adam |") != std::string::npos);
}

TEST_CASE("reproduce: the report and scores written after training are those --replot writes") {
  // 30 epochs: each finalist is scored by the mean of its last 3, whose rounding is where the
  // numbers in memory (17 digits) and the CSVs (8) part ways unless the report uses the stored.
  adamite::testing::TempDir dir;
  const std::string tiny =
      "fig1-mnist --quick --epochs 30 --train-subset 300 --test-subset 200 --only adam,nesterov";
  REQUIRE(exit_code(run_reproduce(dir.path(), tiny)) == 0);
  const fs::path folder = dir / "results" / "fig1-mnist";
  const std::string report = read_file(dir / "results" / "report.md");
  const std::string scores = read_file(folder / "lr-search.csv");
  CHECK(scores.find(",3,") != std::string::npos);  // the full-length finalists' scores
  fs::remove(dir / "results" / "report.md");
  fs::remove(folder / "lr-search.csv");
  REQUIRE(exit_code(run_reproduce(dir.path(), tiny + " --replot")) == 0);
  CHECK(read_file(dir / "results" / "report.md") == report);
  CHECK(read_file(folder / "lr-search.csv") == scores);
}

TEST_CASE("reproduce: Figure 4's runs stop and resume to the very CSV of a whole run") {
  adamite::testing::TempDir whole, pieces;
  // 384 images are 3 steps per epoch: stop inside epoch 1, then inside epoch 2, then finish.
  const std::string one_point =
      "fig4 --epochs 2 --train-subset 384 --only beta1-0-9-beta2-0-999-lr-1e-3-corrected";
  REQUIRE(exit_code(run_reproduce(whole.path(), one_point)) == 0);
  REQUIRE(exit_code(run_reproduce(pieces.path(), one_point + " --stop-after-steps 2")) == 3);
  CHECK(read_file(pieces / "log.txt").find("checkpoint saved") != std::string::npos);
  REQUIRE(exit_code(run_reproduce(pieces.path(), one_point + " --stop-after-steps 2")) == 3);
  REQUIRE(exit_code(run_reproduce(pieces.path(), one_point)) == 0);
  const std::string log = read_file(pieces / "log.txt");
  INFO(log);
  CHECK(log.find("resuming from its checkpoint at epoch 2, step 4") != std::string::npos);
  const fs::path a = whole / "results" / "fig4", b = pieces / "results" / "fig4";
  const std::string run = "beta1-0-9-beta2-0-999-lr-1e-3-corrected.csv";
  CHECK(read_csv(a / run).size() == 3);
  CHECK(without_seconds(a / run) == without_seconds(b / run));
  CHECK(read_file(a / "grid.csv") == read_file(b / "grid.csv"));
  CHECK(!fs::exists(b / "checkpoints"));
}

TEST_CASE("reproduce: a run two experiments share is trained once and planned once") {
  adamite::testing::TempDir dir;
  const std::string tiny = " --quick --epochs 2 --train-subset 300 --test-subset 200";
  REQUIRE(exit_code(run_reproduce(dir.path(), "fig2-dropout adamax" + tiny + " --plan")) == 0);
  {
    const std::string plan = read_file(dir / "log.txt");
    INFO(plan);
    // AdaMax's comparison has Fig. 2's Adam: its trials and both finalists are counted there.
    size_t shared = 0;
    for (size_t at = plan.find("shared: counted in fig2-dropout"); at != std::string::npos;
         at = plan.find("shared: counted in fig2-dropout", at + 1))
      ++shared;
    CHECK(shared == 3);
  }
  // Trained by Fig. 2 in one invocation, taken as it is by AdaMax's in the next.
  REQUIRE(exit_code(run_reproduce(dir.path(), "fig2-dropout --only adam" + tiny)) == 0);
  // Each finished run records where it was made; a run taken by another experiment keeps that
  // record (made to read "elsewhere" here), not the machine that copies it.
  const fs::path fig2 = dir / "results" / "fig2-dropout", adamax = dir / "results" / "adamax";
  std::vector<fs::path> runs;
  for (const auto& entry : fs::directory_iterator(fig2))
    if (entry.path().extension() == ".run") runs.push_back(entry.path());
  REQUIRE(runs.size() == 2);  // Adam's two finalists
  for (const fs::path& run : runs) {
    std::string text = read_file(run);
    CHECK(text.find("\nbuild=adamite ") != std::string::npos);
    const size_t machine = text.find("\nmachine=");
    REQUIRE(machine != std::string::npos);
    CHECK(text.find(" thread", machine) < text.find('\n', machine + 1));
    text.replace(machine + 9, text.find('\n', machine + 1) - machine - 9, "elsewhere");
    adamite::testing::write_file(run, text);
  }
  REQUIRE(exit_code(run_reproduce(dir.path(), "adamax --only adam" + tiny)) == 0);
  const std::string log = read_file(dir / "log.txt");
  INFO(log);
  CHECK(log.find("Adam @ lr") == std::string::npos);
  CHECK(log.find("lr trial") == std::string::npos);
  CHECK(read_file(fig2 / "adam.lr-search") == read_file(adamax / "adam.lr-search"));
  CHECK(read_file(fig2 / "adam.csv") == read_file(adamax / "adam.csv"));
  for (const fs::path& run : runs) {
    CHECK(read_file(adamax / run.filename()) == read_file(run));
    CHECK(read_file(run).find("\nmachine=elsewhere\n") != std::string::npos);
  }
}

TEST_CASE("reproduce: a second seed gets a folder of its own and leaves the first seed's runs") {
  // A run of another seed has other settings, so in the same folder it was trained again over
  // the first seed's finished files (and adopted from a sibling folder holding that seed).
  adamite::testing::TempDir dir;
  const std::string tiny = kTiny + " --only adam";
  REQUIRE(exit_code(run_reproduce(dir.path(), tiny)) == 0);
  const fs::path results = dir / "results";
  const fs::path first = results / "fig1-mnist", second = results / "fig1-mnist-seed1";
  std::map<std::string, std::string> before;
  for (const auto& entry : fs::directory_iterator(first))
    if (entry.is_regular_file()) before[entry.path().filename()] = read_file(entry.path());
  REQUIRE(before.count("adam-lr-0-001.run") == 1);
  REQUIRE(exit_code(run_reproduce(dir.path(), tiny + " --seed 1")) == 0);
  for (const auto& [name, text] : before) CHECK_MESSAGE(read_file(first / name) == text, name);
  REQUIRE(fs::exists(second / "adam-lr-0-001.run"));
  const auto checksum = [](const std::string& run) {
    return run.substr(run.find("init_checksum="));
  };
  CHECK(checksum(read_file(second / "adam-lr-0-001.run")) != checksum(before["adam-lr-0-001.run"]));
  CHECK(read_file(second / "adam.csv") != before["adam.csv"]);
  const std::string section = read_file(second / "section.md");
  CHECK(section.find("This run: seed 1, 3 epochs") != std::string::npos);
  CHECK(section.find("](fig1-mnist-seed1/fig1-mnist.svg)") != std::string::npos);
  // The report holds both, seed 0's first; --replot of either seed trains nothing.
  const std::string report = read_file(results / "report.md");
  CHECK(report.find(before["section.md"]) != std::string::npos);
  CHECK(report.find(section) > report.find(before["section.md"]));
  REQUIRE(exit_code(run_reproduce(dir.path(), tiny + " --seed 1 --replot")) == 0);
  CHECK(read_file(second / "section.md") == section);
  CHECK(read_file(results / "report.md") == report);
  // A seed with nothing finished says so, rather than redrawing nothing in silence.
  REQUIRE(exit_code(run_reproduce(dir.path(), tiny + " --seed 2 --replot")) == 0);
  CHECK(read_file(dir / "log.txt").find("fig1-mnist: no finished runs of these settings in") !=
        std::string::npos);
  CHECK(!fs::exists(results / "fig1-mnist-seed2"));
}

TEST_CASE("reproduce: SIGINT during the learning-rate trials stops at once with exit code 130") {
  adamite::testing::TempDir dir;
  const pid_t pid = adamite::testing::spawn(
      {ADAMITE_CLI, "reproduce", "fig2-dropout", "--quick", "--train-subset", "6400",
       "--test-subset", "500", "--only", "adam", "--out", (dir / "results").string()},
      dir / "log.txt");
  REQUIRE_MESSAGE(
      adamite::testing::wait_until(
          pid,
          [&] { return read_file(dir / "log.txt").find("== fig2-dropout") != std::string::npos; }),
      ("the trials never began: " + read_file(dir / "log.txt")));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // into the first trials
  REQUIRE(kill(pid, SIGINT) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  const std::string log = read_file(dir / "log.txt");
  INFO(log);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(log.find("of its learning-rate trials, which start over next time") != std::string::npos);
  CHECK(!fs::exists(dir / "results" / "fig2-dropout" / "adam.lr-search"));
}

TEST_CASE("reproduce: weights gone non-finite at a checkpoint are a divergence, not an error") {
  // A step can leave the weights infinite while its loss was finite; refusing that checkpoint
  // would end every rerun of the same settings at the same step.
  adamite::testing::TempDir dir;
  using namespace adamite;
  nn::Linear model(2, 2);
  data::Dataset train;
  train.num_classes = 2;
  train.inputs = Tensor::zeros({4, 2});
  train.labels = {0, 1, 0, 1};
  train::Run run(train::RunSpec{}, model, train);
  const reproduce::RunStore store(dir.path());
  const reproduce::Resumable resumable{store, {{"test", "1"}}};
  reproduce::RunRecord record;
  record.contender.label = "Adam";
  reproduce::StoppableRun callbacks(record, nullptr, &resumable);
  train::TrainingPosition start;
  reproduce::HarnessProgress progress("test", 1);
  callbacks.resume(run, progress, start);
  callbacks.on_position(start, true);  // finite: checkpointed
  CHECK(fs::exists(train::checkpoint_file(store.checkpoint_dir("Adam"))));
  model.parameters()[0].data()[1] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_AS(callbacks.on_position(start, true), train::NonFiniteError);
}

TEST_CASE("reproduce: SFO stopped by --stop-after-steps resumes to the very CSV of a whole run") {
  adamite::testing::TempDir whole, pieces;
  const std::string args =
      "fig2-deterministic --quick --epochs 3 --train-subset 512 --test-subset 200 --only sfo";
  REQUIRE(exit_code(run_reproduce(whole.path(), args)) == 0);
  // 4 subfunctions: stop inside pass 2, then inside the dropout variant, then finish.
  REQUIRE(exit_code(run_reproduce(pieces.path(), args + " --stop-after-steps 5")) == 3);
  CHECK(read_file(pieces / "log.txt").find("checkpoint saved") != std::string::npos);
  REQUIRE(exit_code(run_reproduce(pieces.path(), args + " --stop-after-steps 12")) == 3);
  REQUIRE(exit_code(run_reproduce(pieces.path(), args)) == 0);
  const std::string log = read_file(pieces / "log.txt");
  INFO(log);
  CHECK(log.find("resuming from its checkpoint after pass") != std::string::npos);
  const fs::path a = whole / "results" / "fig2-deterministic",
                 b = pieces / "results" / "fig2-deterministic";
  for (const std::string file : {"sfo.csv", "sfo-dropout.csv"}) {
    CAPTURE(file);
    CHECK(without_seconds(a / file) == without_seconds(b / file));
  }
  CHECK(!fs::exists(b / "checkpoints"));  // gone once the runs finished
}

TEST_CASE("reproduce: the committed record is what --replot draws from its CSVs, byte for byte") {
  // docs/reproduction is the project's reproduction record (issue 18): its figures, sections
  // and report must come from its run files alone, so a copy redrawn has every file unchanged.
  const fs::path record = fs::path(ADAMITE_SOURCE_DIR) / "docs" / "reproduction";
  adamite::testing::TempDir dir;
  const fs::path copy = dir / "results";
  fs::copy(record, copy, fs::copy_options::recursive);
  REQUIRE(exit_code(run_reproduce(dir.path(), "all --replot")) == 0);
  // Folders of other seeds, e.g. fig2-dropout-seed1: "fig2-dropout --seed 1 --replot".
  for (const auto& entry : fs::directory_iterator(record)) {
    const std::string name = entry.path().filename().string();
    const size_t at = name.rfind("-seed");
    if (!entry.is_directory() || at == std::string::npos) continue;
    const std::string redraw = name.substr(0, at) + " --seed " + name.substr(at + 5) + " --replot";
    CAPTURE(redraw);
    REQUIRE(exit_code(run_reproduce(dir.path(), redraw)) == 0);
  }
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(record)) {
    if (!entry.is_regular_file()) continue;
    const fs::path relative = fs::relative(entry.path(), record);
    CAPTURE(relative);
    CHECK(read_file(copy / relative) == read_file(entry.path()));
    ++files;
  }
  CHECK(files > 100);
  for (const auto& entry : fs::recursive_directory_iterator(copy))  // nothing added either
    if (entry.is_regular_file())
      CHECK_MESSAGE(fs::exists(record / fs::relative(entry.path(), copy)), entry.path());
}
