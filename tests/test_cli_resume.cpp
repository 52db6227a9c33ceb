// Checkpoints from the command line: a real `adamite train` interrupted by SIGINT/SIGTERM resumes
// to the same weights as an uninterrupted run; divergence and other runs' checkpoints are refused.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <vector>

#include "adamite/io/safetensors.hpp"
#include "process_support.hpp"

namespace {
namespace fs = std::filesystem;
using adamite::testing::read_file;
using adamite::testing::Result;

// adamite ARGUMENTS, output to `log`.
const auto run = adamite::testing::run_adamite;

const std::vector<std::string> kRun = {"train",  "--model", "mlp",       "--epochs", "1",
                                       "--seed", "4",       "--threads", "2"};

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE(
      "cli: SIGINT and SIGTERM stop training with a checkpoint, resuming gives the same "
      "weights") {
    adamite::testing::TempDir dir;
    const std::string common = "train --model mlp --epochs 1 --seed 4 --threads 2";
    const Result straight =
        run(common + " --save " + (dir / "straight.safetensors").string(), dir / "straight.log");
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);

    for (const auto& [signal_number, expected_code] : {std::pair{SIGINT, 130}, {SIGTERM, 143}}) {
      CAPTURE(signal_number);
      const fs::path checkpoint = dir / ("checkpoint-" + std::to_string(signal_number));
      std::vector<std::string> arguments = kRun;
      for (const char* extra : {"--checkpoint-every", "20", "--checkpoint"})
        arguments.push_back(extra);
      arguments.push_back(checkpoint.string());
      // SIGINT's run is resumed with --resume alone: its --save travels in the checkpoint.
      const fs::path resumed_file = dir / ("resumed-" + std::to_string(signal_number));
      if (signal_number == SIGINT)
        arguments.insert(arguments.end(), {"--save", resumed_file.string()});
      arguments.insert(arguments.begin(), ADAMITE_CLI);
      const pid_t pid = adamite::testing::spawn(arguments, dir / "interrupted.log");
      // Wait for the first periodic checkpoint, so the signal lands mid-epoch.
      REQUIRE_MESSAGE(adamite::testing::wait_until(
                          pid, [&] { return fs::exists(checkpoint / "checkpoint.safetensors"); }),
                      ("no periodic checkpoint: " + read_file(dir / "interrupted.log")));
      REQUIRE(kill(pid, signal_number) == 0);
      int status = 0;
      REQUIRE(waitpid(pid, &status, 0) == pid);
      const std::string log = read_file(dir / "interrupted.log");
      INFO(log);
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == expected_code);
      CHECK(log.find("resume with --resume " + checkpoint.string()) != std::string::npos);

      const Result resumed = signal_number == SIGINT
                                 ? run("train --resume " + checkpoint.string(), dir / "resumed.log")
                                 : run(common + " --resume " + checkpoint.string() + " --save " +
                                           resumed_file.string(),
                                       dir / "resumed.log");
      INFO(resumed.output);
      REQUIRE(resumed.exit_code == 0);
      CHECK(resumed.output.find("resuming from") != std::string::npos);
      CHECK(read_file(resumed_file) == read_file(dir / "straight.safetensors"));
    }
  }

  // The adversarial run: the checkpoint of a --max-steps run claimed its epoch was over, so a
  // resume with a larger --max-steps trained nothing (exit 0) or started the next epoch.
  TEST_CASE(
      "cli: a --max-steps run resumes with a larger --max-steps to the straight run's bytes") {
    adamite::testing::TempDir dir;
    const std::string common = "train --model logreg --epochs 2 --seed 3 ";
    const fs::path checkpoint = dir / "ck";
    const Result straight =
        run(common + "--max-steps 60 --save " + (dir / "straight.safetensors").string(),
            dir / "straight.log");
    REQUIRE(straight.exit_code == 0);
    const Result first =
        run(common + "--max-steps 30 --checkpoint " + checkpoint.string(), dir / "first.log");
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    // The other options are the checkpoint's; --max-steps may grow, never shrink.
    const Result shorter =
        run("train --max-steps 20 --resume " + checkpoint.string(), dir / "shorter.log");
    CHECK(shorter.exit_code == 2);
    CHECK(shorter.output.find("--max-steps 20: " + checkpoint.string() +
                              "/checkpoint.safetensors is a run of --max-steps 30, and a resumed "
                              "run may only train longer") != std::string::npos);
    const Result resumed = run("train --max-steps 60 --resume " + checkpoint.string() + " --save " +
                                   (dir / "resumed.safetensors").string(),
                               dir / "resumed.log");
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    CHECK(resumed.output.find("resuming from " + checkpoint.string() + " at epoch 1, step 30") !=
          std::string::npos);
    CHECK(read_file(dir / "resumed.safetensors") == read_file(dir / "straight.safetensors"));

    // Resuming a run that is already complete trains nothing: refused, not a silent success.
    // (The resumed run's checkpoint holds its --max-steps 60.)
    const Result done = run("train --resume " + checkpoint.string(), dir / "done.log");
    CHECK(done.exit_code == 2);
    CHECK(done.output.find("is at step 60, this run stops at --max-steps 60: nothing left to "
                           "train") != std::string::npos);
  }

  // The adversarial run: under `ulimit -f` SIGXFSZ killed the program (exit 153, no message)
  // and left the checkpoint's temporary behind.
  TEST_CASE(
      "cli: a file-size limit fails a checkpoint like a full disk, keeping the previous one") {
    adamite::testing::TempDir dir;
    const fs::path checkpoint = dir / "ck";
    const std::string common = "train --model logreg --epochs 1 --checkpoint-every 5 ";
    REQUIRE(run(common + "--max-steps 5 --checkpoint " + checkpoint.string(), dir / "a.log")
                .exit_code == 0);
    const std::string good = read_file(checkpoint / "checkpoint.safetensors");
    REQUIRE(good.size() > 64 * 1024);  // Adam's state makes it larger than the limit below
    const Result limited = adamite::testing::run_command(
        "bash -c 'ulimit -f 64; exec " + std::string(ADAMITE_CLI) + " " + common +
            "--max-steps 10 --resume " + checkpoint.string() + "'",
        dir / "b.log");
    INFO(limited.output);
    CHECK(limited.exit_code == 1);
    CHECK(limited.output.find((checkpoint / "checkpoint.safetensors").string() +
                              ": cannot write (File too large)") != std::string::npos);
    CHECK(read_file(checkpoint / "checkpoint.safetensors") == good);
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(checkpoint))
      left.push_back(entry.path().filename().string());
    std::sort(left.begin(), left.end());
    CHECK(left == std::vector<std::string>{".lock", "checkpoint.safetensors"});  // no temporary
  }

  // The adversarial run: a full disk under --log stopped the run before that epoch's checkpoint.
  // Here a file-size limit makes the resumed run's row for epoch 2 fail (the log, which it adds
  // to, is already near the limit); SGD's checkpoint of logistic regression (31 KB) stays under.
  TEST_CASE("cli: a --log write that fails stops the run only after the epoch's checkpoint") {
    adamite::testing::TempDir dir;
    const fs::path checkpoint = dir / "ck", log = dir / "full.csv";
    const std::string common = "train --model logreg --optimizer sgd --epochs 3 ";
    // 469 steps an epoch: stopped inside epoch 2, its log holding epoch 1's row.
    REQUIRE(run(common + "--max-steps 500 --checkpoint " + checkpoint.string() + " --log " +
                    log.string(),
                dir / "a.log")
                .exit_code == 0);
    const std::string rows = adamite::testing::read_file(log);
    REQUIRE(rows.size() < 1024);
    adamite::testing::write_file(log, rows + std::string(64 * 1024 - 8 - rows.size(), '#'));
    const Result failed = adamite::testing::run_command(
        "bash -c 'ulimit -f 64; exec " + std::string(ADAMITE_CLI) + " " + common +
            "--max-steps 1000 --log " + log.string() + " --resume " + checkpoint.string() + "'",
        dir / "b.log");
    INFO(failed.output);
    CHECK(failed.exit_code == 1);
    CHECK(failed.output.find(log.string() +
                             ": writing the log failed; training stopped after "
                             "epoch 2, whose checkpoint is saved in " +
                             checkpoint.string() + "; resume with --resume " +
                             checkpoint.string()) != std::string::npos);
    const auto saved = adamite::io::load_safetensors(checkpoint / "checkpoint.safetensors");
    CHECK(saved.metadata.at("epoch") == "2");  // the end of epoch 2, not step 500
    CHECK(saved.metadata.at("batch") == "0");
  }

  // A new run's log replaces an earlier file only with its first row: a run that ends before it
  // (here it diverges in its first step) leaves the earlier log as it was. It was truncated at
  // the start.
  TEST_CASE("cli: a run that ends before its first logged row keeps the earlier log") {
    adamite::testing::TempDir dir;
    const fs::path log = dir / "log.csv";
    adamite::testing::write_file(log, "an earlier run's rows\n");
    const Result diverged =
        run("train --model mlp --optimizer sgd --lr 1e30 --epochs 1 --log " + log.string(),
            dir / "a.log");
    INFO(diverged.output);
    CHECK(diverged.exit_code == 1);
    CHECK(adamite::testing::read_file(log) == "an earlier run's rows\n");
  }

  // The adversarial run: two runs on one folder both exited 0 and the survivor was the second's.
  TEST_CASE("cli: a second run on a checkpoint folder in use is refused, naming the first") {
    adamite::testing::TempDir dir;
    const fs::path checkpoint = dir / "ck";
    std::vector<std::string> first = {
        ADAMITE_CLI, "train",  "--model", "mlp",          "--epochs",
        "3",         "--seed", "0",       "--checkpoint", checkpoint.string()};
    const pid_t pid = adamite::testing::spawn(first, dir / "first.log");
    // The lock is taken before the dataset loads; its file then holds the first run's id.
    REQUIRE_MESSAGE(
        adamite::testing::wait_until(pid, [&] { return !read_file(checkpoint / ".lock").empty(); }),
        ("the first run took no lock: " + read_file(dir / "first.log")));
    const Result second =
        run("train --model mlp --epochs 3 --seed 5 --checkpoint " + checkpoint.string(),
            dir / "second.log");
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    INFO(second.output);
    CHECK(second.exit_code == 2);
    CHECK(second.output.find(checkpoint.string() + " is in use by another training run (process " +
                             std::to_string(pid) + ")") != std::string::npos);
    // kill -9 leaves no stale lock: the folder is free again.
    const Result after =
        run("train --model logreg --max-steps 2 --checkpoint-every 2 --checkpoint " +
                checkpoint.string(),
            dir / "after.log");
    INFO(after.output);
    CHECK(after.exit_code == 0);
  }

  // The adversarial run: a --save that failed after training lost the trained weights.
  TEST_CASE("cli: a --save that fails after training keeps the weights elsewhere and names it") {
    adamite::testing::TempDir dir;
    const fs::path folder = dir / "out";
    fs::create_directory(folder);
    const pid_t pid =
        adamite::testing::spawn({ADAMITE_CLI, "train", "--model", "logreg", "--epochs", "2",
                                 "--save", (folder / "w.safetensors").string()},
                                dir / "train.log");
    // The path is checked before the first step; the folder disappears during training.
    REQUIRE_MESSAGE(
        adamite::testing::wait_until(
            pid,
            [&] { return read_file(dir / "train.log").find("epoch 1/2") != std::string::npos; }),
        ("the run never reached its first epoch: " + read_file(dir / "train.log")));
    fs::remove_all(folder);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    const std::string log = read_file(dir / "train.log");
    INFO(log);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    const fs::path fallback =
        fs::temp_directory_path() / ("adamite-weights-" + std::to_string(pid) + ".safetensors");
    CHECK(log.find("the trained weights are saved in " + fallback.string() + " instead") !=
          std::string::npos);
    CHECK(fs::file_size(fallback) > 7850 * 4);  // logreg's 7850 weights
    fs::remove(fallback);
  }

  TEST_CASE("cli: a checkpoint of other settings is refused with exit code 2") {
    adamite::testing::TempDir dir;
    const std::string base = "train --model logreg --epochs 1 --max-steps 5 --checkpoint-every 5 ";
    REQUIRE(run(base + "--checkpoint " + (dir / "ck").string(), dir / "a.log").exit_code == 0);
    const Result other = run(base + "--lr 0.01 --resume " + (dir / "ck").string(), dir / "b.log");
    CHECK(other.exit_code == 2);
    CHECK(other.output.find("lr: checkpoint default, this run 0.01") != std::string::npos);
    const Result missing = run("train --resume " + (dir / "nowhere").string(), dir / "c.log");
    CHECK(missing.exit_code == 2);
    CHECK(missing.output.find("no checkpoint in") != std::string::npos);
  }

  TEST_CASE(
      "cli: a learning rate of 1e6 stops with the step and loss, keeping the last good "
      "checkpoint") {
    adamite::testing::TempDir dir;
    const fs::path checkpoint = dir / "ck";
    const Result diverged =
        run("train --model mlp --optimizer sgd --lr 1e6 --epochs 1 "
            "--checkpoint-every 1 --checkpoint " +
                checkpoint.string(),
            dir / "nan.log");
    INFO(diverged.output);
    CHECK(diverged.exit_code == 1);
    CHECK(diverged.output.find("training diverged: loss is") != std::string::npos);
    CHECK(diverged.output.find(" at step ") != std::string::npos);
    CHECK((diverged.output.find("first parameter with non-finite values") != std::string::npos ||
           diverged.output.find("largest weight") != std::string::npos));
    // What is left is a checkpoint of finite weights that resumes (and diverges again).
    const Result again =
        run("train --model mlp --optimizer sgd --lr 1e6 --epochs 1 --resume " + checkpoint.string(),
            dir / "again.log");
    CHECK(again.output.find("resuming from") != std::string::npos);
  }
}
