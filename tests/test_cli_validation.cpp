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
    // Epoch 1's row: epoch,step,train_loss,test_loss,test_accuracy,...
    const size_t row = log.find("\n1,") + 1;
    std::vector<std::string> fields(1);
    for (size_t i = row; i < log.size() && log[i] != '\n'; ++i)
      if (log[i] == ',')
        fields.emplace_back();
      else
        fields.back().push_back(log[i]);
    REQUIRE(fields.size() == 8);
    char epoch1[32];
    std::snprintf(epoch1, sizeof epoch1, "test_accuracy %.2f%%", 100.0 * std::stod(fields[4]));
    const Result eval =
        run("eval --model logreg --init " + (dir / "w.safetensors").string(), dir / "eval.log");
    REQUIRE(eval.exit_code == 0);
    CHECK(eval.output.find(epoch1) != std::string::npos);

    // Interrupted inside epoch 2 (--max-steps 500), then resumed: the same stop, the same file.
    const fs::path checkpoint = dir / "ck";
    REQUIRE(run(common + "--max-steps 500 --checkpoint " + checkpoint.string() + " --save " +
                    (dir / "w2.safetensors").string(),
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

    // Early stopping needs a validation set; a validation set needs a training set left over.
    CHECK(run("train --model logreg --early-stop 2", dir / "bad1.log").exit_code == 2);
    CHECK(run("train --model logreg --validation 60000", dir / "bad2.log").exit_code == 2);
  }
}
