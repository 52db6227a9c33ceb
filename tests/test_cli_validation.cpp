// `adamite train --validation N --early-stop P`: held-out examples scored every epoch, the best
// epoch's weights kept in --save, training stopped when the patience runs out, and a resumed run
// ending the same way.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "process_support.hpp"

namespace {
namespace fs = std::filesystem;
using adamite::testing::read_file;
using adamite::testing::Result;

// adamite ARGUMENTS, output to `log`.
const auto run = adamite::testing::run_adamite;

// The fields of the --log row of `epoch` (the last one, in a log a resumed run added to):
// epoch,step,train_loss,test_loss,test_accuracy,seconds,validation_loss,validation_accuracy.
std::vector<std::string> log_row(const std::string& log, int epoch) {
  std::string start = "\n";  // (GCC 12 warns falsely on "\n" + std::to_string(epoch))
  start += std::to_string(epoch) + ",";
  const size_t row = log.rfind(start);
  if (row == std::string::npos) return {};
  std::vector<std::string> fields(1);
  for (size_t i = row + 1; i < log.size() && log[i] != '\n'; ++i)
    if (log[i] == ',')
      fields.emplace_back();
    else
      fields.back().push_back(log[i]);
  return fields;
}

// The row's fields but its seconds, which differ from run to run.
std::vector<std::string> logged_values(const std::string& log, int epoch) {
  std::vector<std::string> fields = log_row(log, epoch);
  if (fields.size() > 5) fields.erase(fields.begin() + 5);
  return fields;
}
}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("cli: --validation keeps the best epoch's weights and --early-stop ends the run") {
    adamite::testing::TempDir dir;
    // A rate too high for logistic regression: the validation loss is lowest after epoch 1.
    const std::string common =
        "train --model logreg --epochs 6 --validation 5000 --early-stop 2 --lr 0.05 ";
    const Result straight = run(common + "--save " + (dir / "w.safetensors").string() + " --log " +
                                    (dir / "log.csv").string(),
                                dir / "straight.log");
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);
    CHECK(straight.output.find("55000 train / 5000 validation / 10000 test") != std::string::npos);
    CHECK(straight.output.find("validation_loss") != std::string::npos);
    CHECK(straight.output.find("early stop: no lower validation loss in the 2 epochs after epoch "
                               "1") != std::string::npos);
    CHECK(straight.output.find("epoch 4/6") == std::string::npos);
    const std::string log = read_file(dir / "log.csv");
    CHECK(log.rfind("epoch,step,train_loss,test_loss,test_accuracy,seconds,validation_loss,"
                    "validation_accuracy\n",
                    0) == 0);
    // The saved weights score what epoch 1 scored (90.54% on 2 cores of an AMD EPYC), not the last
    // epoch (88.59%).
    const std::vector<std::string> fields = log_row(log, 1);
    REQUIRE(fields.size() == 8);
    char epoch1[32];
    std::snprintf(epoch1, sizeof epoch1, "test_accuracy %.2f%%", 100.0 * std::stod(fields[4]));
    const Result eval =
        run("eval --model logreg --init " + (dir / "w.safetensors").string(), dir / "eval.log");
    REQUIRE(eval.exit_code == 0);
    CHECK(eval.output.find(epoch1) != std::string::npos);

    // Interrupted inside epoch 2 (--max-steps 500), then resumed: the same stop, the same file,
    // and epochs 2 and 3 (trained after the resume; neither is a new best, so neither writes the
    // file) logged as in the straight run.
    const fs::path checkpoint = dir / "ck";
    REQUIRE(run(common + "--max-steps 500 --checkpoint " + checkpoint.string() + " --save " +
                    (dir / "w2.safetensors").string() + " --log " + (dir / "resumed.csv").string(),
                dir / "first.log")
                .exit_code == 0);
    const Result resumed =
        run("train --max-steps 5000 --resume " + checkpoint.string(), dir / "resumed.log");
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    CHECK(
        resumed.output.find("early stop: no lower validation loss in the 2 epochs after epoch 1") !=
        std::string::npos);
    CHECK(read_file(dir / "w2.safetensors") == read_file(dir / "w.safetensors"));
    for (int epoch : {2, 3}) {
      CAPTURE(epoch);
      const auto straight_row = logged_values(log, epoch);
      REQUIRE(straight_row.size() == 7);
      CHECK(logged_values(read_file(dir / "resumed.csv"), epoch) == straight_row);
    }

    // Early stopping needs a validation set; a validation set needs a training set left over.
    CHECK(run("train --model logreg --early-stop 2", dir / "bad1.log").exit_code == 2);
    CHECK(run("train --model logreg --validation 60000", dir / "bad2.log").exit_code == 2);
  }

  TEST_CASE("cli: --schedule plateau halves the rate on the validation loss, and resumes exactly") {
    adamite::testing::TempDir dir;
    // As above, the validation loss is lowest after epoch 1: epoch 2 halves the rate.
    const std::string common =
        "train --model logreg --epochs 4 --validation 5000 --lr 0.05 --schedule plateau:0.5:0 ";
    const Result straight =
        run(common + "--log " + (dir / "straight.csv").string(), dir / "straight.log");
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);
    CHECK(straight.output.find("lr schedule constant, x0.5 once 1 epoch brings no lower "
                               "validation loss (patience 0)") != std::string::npos);
    CHECK(straight.output.find("lr x0.5  ") != std::string::npos);

    // Stopped inside epoch 3 (430 steps per epoch) with the rate halved, then resumed: epoch 4
    // ends as in the straight run, to every digit logged.
    const fs::path checkpoint = dir / "ck";
    REQUIRE(run(common + "--max-steps 1000 --log " + (dir / "resumed.csv").string() +
                    " --checkpoint " + checkpoint.string(),
                dir / "first.log")
                .exit_code == 0);
    const Result resumed =
        run("train --max-steps 2000 --resume " + checkpoint.string(), dir / "resumed.log");
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    const auto straight_row = logged_values(read_file(dir / "straight.csv"), 4);
    REQUIRE(straight_row.size() == 7);
    CHECK(logged_values(read_file(dir / "resumed.csv"), 4) == straight_row);

    // Never decided on the test set: without a validation set the option is refused.
    const Result refused = run("train --model logreg --schedule plateau:0.5:2", dir / "bad.log");
    CHECK(refused.exit_code == 2);
    CHECK(refused.output.find("--schedule plateau:0.5:2 follows the validation loss: give "
                              "--validation N as well") != std::string::npos);
    CHECK(run("train --model logreg --validation 100 --schedule plateau:2:1", dir / "bad2.log")
              .exit_code == 2);
  }
}
