// `adamite train --dataset folder:PATH` on a small tree of generated PNGs, with whitening,
// augmentation and validation, then `adamite predict` printing the folder's class names; and a
// program of the user's own (docs/guide.md's) that registers a model and runs the command line.
#include <doctest/doctest.h>

#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "image_support.hpp"
#include "process_support.hpp"

namespace {
namespace fs = std::filesystem;
using adamite::testing::Result;
const auto run = adamite::testing::run_adamite;
}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("cli: train on a folder of images, then predict prints its class names") {
    adamite::testing::TempDir dir;
    const fs::path tree = dir / "colours";
    adamite::testing::write_colour_classes(tree, {"red", "green", "blue"}, 10);
    const std::string weights = (dir / "w.safetensors").string();
    const Result trained =
        run("train --model logreg --dataset folder:" + tree.string() +
                " --epochs 8 --batch-size 8 --lr 0.01 --whiten standardize --augment both "
                "--validation 6 --save " +
                weights,
            dir / "train.log");
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    // 30 images: a tenth held out as the test set, then 6 for validation.
    CHECK(trained.output.find("on folder:" + tree.string() +
                              " (21 train / 6 validation / 3 test)") != std::string::npos);
    CHECK(trained.output.find("whitening standardize, augmentation both") != std::string::npos);
    CHECK(trained.output.find("final test accuracy: 100.00%") != std::string::npos);

    const Result predicted =
        run("predict --init " + weights + " --top 1 " + (tree / "red" / "img3.png").string(),
            dir / "predict.log");
    INFO(predicted.output);
    REQUIRE(predicted.exit_code == 0);
    CHECK(predicted.output.find("img3.png: red 1.000") != std::string::npos);

    // A tree a classifier cannot use, named.
    adamite::testing::write_colour_classes(dir / "one", {"only"}, 12);
    const Result one =
        run("train --model logreg --dataset folder:" + (dir / "one").string(), dir / "one.log");
    CHECK(one.exit_code == 1);
    CHECK(one.output.find("only one class folder (only)") != std::string::npos);
    CHECK(run("train --dataset folder:", dir / "empty.log").exit_code == 2);
  }

  TEST_CASE("cli: a program that registers its own model trains it through adamite::cli::run") {
    adamite::testing::TempDir dir;
    const fs::path tree = dir / "colours";
    adamite::testing::write_colour_classes(tree, {"red", "green", "blue"}, 10);
    const std::string arguments = "train --model tiny --dataset folder:" + tree.string() +
                                  " --epochs 2 --batch-size 9 --dropout 0";
    const Result own = adamite::testing::run_command(
        std::string(ADAMITE_GUIDE_OWN_MODEL) + " " + arguments, dir / "own.log");
    INFO(own.output);
    REQUIRE(own.exit_code == 0);
    CHECK(own.output.find("model tiny on folder:") != std::string::npos);
    CHECK(own.output.find("epoch 2/2") != std::string::npos);
    // The registry lists it in --help; the stock program does not know it.
    const Result help = adamite::testing::run_command(
        std::string(ADAMITE_GUIDE_OWN_MODEL) + " train --help", dir / "help.log");
    CHECK(help.output.find("tiny") != std::string::npos);
    const Result stock = run(arguments, dir / "stock.log");
    CHECK(stock.exit_code == 2);
    CHECK(stock.output.find("unknown model 'tiny' (known: logreg, mlp, cnn, resnet20)") !=
          std::string::npos);

    // `bench` times it too, on examples of the shape it is told (no operation count for it).
    const std::string own_model = ADAMITE_GUIDE_OWN_MODEL;
    const Result bench = adamite::testing::run_command(
        own_model + " bench --model tiny --input-shape 3x8x8 --classes 4 --steps 2 --json",
        dir / "bench.log");
    INFO(bench.output);
    CHECK(bench.exit_code == 0);
    CHECK(bench.output.find("{\"model\": \"tiny\"") != std::string::npos);
    CHECK(bench.output.find("\"gflops\": null") != std::string::npos);
    const Result unshaped =
        adamite::testing::run_command(own_model + " bench --model tiny", dir / "unshaped.log");
    CHECK(unshaped.exit_code == 2);
    CHECK(unshaped.output.find("give its --input-shape") != std::string::npos);
  }

  TEST_CASE("cli: --average on a BatchNorm network saves what it evaluated") {
    // ResNet-20's BatchNorm statistics are recomputed for the averaged weights; `eval` of the
    // saved file must score the test images as the run's last epoch did.
    adamite::testing::TempDir dir;
    const fs::path tree = dir / "colours";
    adamite::testing::write_colour_classes(tree, {"red", "green", "blue"}, 10);
    const std::string weights = (dir / "w.safetensors").string(), log = (dir / "log.csv").string();
    const std::string data = " --dataset folder:" + tree.string() + " --whiten standardize";
    const Result trained = run("train --model resnet20" + data +
                                   " --epochs 2 --batch-size 9 --optimizer sgd --lr 0.05 "
                                   "--average polyak --log " +
                                   log + " --save " + weights,
                               dir / "train.log");
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    std::ifstream csv(log);
    std::string line, last;
    while (std::getline(csv, line)) last = line;
    std::vector<std::string> fields;
    std::istringstream row(last);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    REQUIRE(fields.size() >= 4);
    std::ostringstream expected;
    expected << "test_loss " << std::fixed << std::setprecision(4) << std::stod(fields[3]);
    const Result evaluated =
        run("eval --model resnet20" + data + " --init " + weights, dir / "eval.log");
    INFO(evaluated.output);
    REQUIRE(evaluated.exit_code == 0);
    CHECK(evaluated.output.find(expected.str()) != std::string::npos);

    // Training on from those weights (stochastic weight averaging after a first run) says so.
    const Result again =
        run("train --model resnet20" + data + " --epochs 1 --batch-size 9 --init " + weights +
                " --average polyak",
            dir / "again.log");
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK(again.output.find("model resnet20 (starting from " + weights + ") on folder:") !=
          std::string::npos);
  }
}
