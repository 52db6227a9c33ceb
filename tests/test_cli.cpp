// The adamite program as a user runs it: outputs, files, exit codes.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support.hpp"

namespace {

struct Run {
  int exit_code;
  std::string output;  // stdout and stderr together
};

Run run(const std::string& arguments, const std::string& environment = "") {
  adamite::testing::TempDir dir;
  const auto out = dir / "out.txt";
  const std::string command =
      environment + " " + ADAMITE_CLI + " " + arguments + " > " + out.string() + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string data_env() {
  return "ADAMITE_DATA=" + adamite::testing::data_root().string();
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("cli: train writes the CSV log and weights, eval reads them back") {
    adamite::testing::TempDir dir;
    const auto csv = dir / "run.csv", weights = dir / "w.safetensors";
    const Run train = run("train --model logreg --epochs 2 --max-steps 60 --seed 3 --log " +
                              csv.string() + " --save " + weights.string(),
                          data_env());
    INFO(train.output);
    REQUIRE(train.exit_code == 0);
    CHECK(train.output.find("epoch 1/2") != std::string::npos);
    CHECK(train.output.find("final test accuracy") != std::string::npos);
    CHECK(train.output.find('\r') == std::string::npos);  // piped: plain lines, no progress bar

    std::istringstream log(read_file(csv));
    std::string header, row1, row2, extra;
    std::getline(log, header);
    std::getline(log, row1);
    std::getline(log, row2);
    CHECK(header == "epoch,step,train_loss,test_loss,test_accuracy,seconds");
    CHECK(row1.rfind("1,60,", 0) == 0);  // max-steps stops inside epoch 1: one row, step 60
    CHECK(row2.empty());

    const Run eval = run("eval --model logreg --init " + weights.string(), data_env());
    INFO(eval.output);
    CHECK(eval.exit_code == 0);
    CHECK(eval.output.find("test_accuracy") != std::string::npos);
    // The file records its model and preprocessing: eval uses them, and refuses others (it used
    // its own defaults, and scored ZCA-trained weights on unwhitened images without a word).
    const Run wrong = run("eval --model mlp --init " + weights.string(), data_env());
    CHECK(wrong.exit_code == 2);
    CHECK(wrong.output.find("was trained with --model logreg") != std::string::npos);
    const Run other_whitening = run("eval --whiten zca --init " + weights.string(), data_env());
    CHECK(other_whitening.exit_code == 2);
    CHECK(other_whitening.output.find("--whiten zca: ") != std::string::npos);
    CHECK(run("eval --init " + weights.string(), data_env()).output == eval.output);
  }

  TEST_CASE("cli: same seed gives the same weights, whatever the thread count") {
    adamite::testing::TempDir dir;
    const std::string common = "train --model mlp --max-steps 15 --seed 7 --save ";
    const Run one =
        run(common + (dir / "t1.safetensors").string(), data_env() + " OMP_NUM_THREADS=1");
    const Run two =
        run(common + (dir / "t2.safetensors").string(), data_env() + " OMP_NUM_THREADS=2");
    const Run other =
        run("train --model mlp --max-steps 15 --seed 8 --save " + (dir / "s8.safetensors").string(),
            data_env());
    REQUIRE(one.exit_code == 0);
    REQUIRE(two.exit_code == 0);
    REQUIRE(other.exit_code == 0);
    CHECK(read_file(dir / "t1.safetensors") == read_file(dir / "t2.safetensors"));
    CHECK(read_file(dir / "t1.safetensors") != read_file(dir / "s8.safetensors"));
  }

  TEST_CASE("cli: bad command lines exit with code 2 and a one-line reason") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"train --lr -1", "--lr"},
        {"train --batch-size 0", "--batch-size"},
        {"train --model resnet", "--model"},
        {"train --optimizer adagrad2", "--optimizer"},
        {"train --beta2 1.5", "--beta2"},
        {"train --init /nonexistent/w.safetensors", "no such file"},
        {"eval --model mlp", "--init"},
        {"fetch imagenet", "imagenet"},
        {"train --schedule wobble", "wobble"},
        {"train --schedule step:0:0.5", "step:0:0.5"},
        {"train --average ema", "ema"},
        {"train --optimizer nesterov --momentum 0", "momentum"},
        {"frobnicate", "frobnicate"},
        // issue 21 #11: these were accepted (-1 and 2^64 both became seed 2^64-1; 1e-320 is 0
        // as a float; an empty --resume meant no resume).
        {"train --seed -1", "--seed"},
        {"train --seed 18446744073709551616", "--seed"},
        {"train --lr 1e-320", "--lr"},
        {"train --lr inf", "--lr"},
        {"train --resume ''", "--resume"},
        {"train --save ''", "--save"},
        // A helper's audit: --threads 100000 segfaulted in libgomp; reproduce and show-samples
        // still wrapped -1 to seed 2^64-1.
        {"train --threads 100000", "from 1 to 1024"},
        {"bench --threads 1025", "from 1 to 1024"},
        {"reproduce fig1-mnist --plan --threads 2.5", "--threads"},
        {"reproduce fig1-mnist --replot --seed -1", "--seed"},
        {"show-samples --dataset mnist --out x.png --seed -1", "--seed"},
    };
    for (const auto& [arguments, mention] : cases) {
      const Run r = run(arguments, data_env());
      CAPTURE(arguments);
      CAPTURE(r.output);
      CHECK(r.exit_code == 2);
      CHECK(r.output.find(mention) != std::string::npos);
    }
  }

  // The adversarial run: these paths failed only after training, and the work was lost.
  TEST_CASE("cli: output paths that cannot be written are refused before the first step") {
    adamite::testing::TempDir dir;
    std::ofstream(dir / "plain-file") << "keep";
    std::filesystem::create_directory(dir / "folder");
    const std::string missing = (dir / "missing" / "w.safetensors").string();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--save " + missing, "--save: " + missing + ": cannot create temporary file"},
        {"--save " + (dir / "folder").string(),
         "--save: " + (dir / "folder").string() + ": is a folder"},
        {"--save /proc/self/x.safetensors", "--save: /proc/self/x.safetensors"},
        {"--log " + (dir / "missing" / "log.csv").string(), "--log: "},
        {"--plot " + (dir / "folder").string(), "--plot: "},
        {"--checkpoint " + (dir / "plain-file").string(),
         "--checkpoint: " + (dir / "plain-file").string() + " is not a folder"},
        // Two outputs on one file overwrote each other (a helper's audit).
        {"--save " + (dir / "same").string() + " --log " + (dir / "same").string(),
         "--save and --log name the same file"},
        {"--log " + (dir / "l.csv").string() + " --plot " +
             (dir / "folder" / ".." / "l.csv").string(),
         "--plot and --log name the same file"},
        {"--checkpoint " + (dir / "ck").string() + " --save " +
             (dir / "ck" / "checkpoint.safetensors").string(),
         "--save and --checkpoint name the same file"},
    };
    for (const auto& [option, mention] : cases) {
      const Run r = run("train --model logreg --epochs 1 " + option, data_env());
      CAPTURE(option);
      CAPTURE(r.output);
      CHECK(r.exit_code == 2);
      CHECK(r.output.find(mention) != std::string::npos);
      CHECK(r.output.find("epoch 1/1") == std::string::npos);  // nothing trained
    }
    CHECK(read_file(dir / "plain-file") == "keep");
    CHECK_FALSE(std::filesystem::exists(dir / "missing"));
  }

  TEST_CASE("cli: --help of every subcommand shows the options with defaults") {
    const Run help = run("train --help");
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("--optimizer") != std::string::npos);
    CHECK(help.output.find("128") != std::string::npos);  // the default batch size is shown
    CHECK(run("eval --help").exit_code == 0);
    CHECK(run("fetch --help").exit_code == 0);
    const Run list = run("train --list-optimizers");
    CHECK(list.output.find("adam") != std::string::npos);
    CHECK(list.output.find("nesterov") != std::string::npos);
  }

  TEST_CASE("cli: every optimizer, schedule and averaging option trains") {
    for (const std::string optimizer : {"sgd", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
                                        "adamw", "adamax", "nadam", "amsgrad"}) {
      const Run r =
          run("train --model logreg --max-steps 40 --schedule inv-sqrt --optimizer " + optimizer,
              data_env());
      CAPTURE(r.output);
      CHECK_MESSAGE(r.exit_code == 0, optimizer);
    }
    for (const std::string extra :
         {"--schedule cosine --warmup 5 --average ema:0.99",
          "--schedule step:1:0.5 --average polyak --whiten standardize",
          "--schedule exp:0.9 --optimizer rmsprop --centered --momentum 0.9 --rho 0.95",
          "--clip-grad-norm 0.5"}) {
      const Run r = run("train --model logreg --max-steps 40 " + extra, data_env());
      CAPTURE(r.output);
      CHECK_MESSAGE(r.exit_code == 0, extra);
    }
  }

  TEST_CASE("cli: train --optimizer sfo trains a deterministic model and refuses dropout") {
    adamite::testing::TempDir dir;
    const auto csv = dir / "sfo.csv";
    // 10 subfunctions of 6000 images: a pass is 10 evaluations.
    const Run sfo =
        run("train --model logreg --optimizer sfo --epochs 2 --batch-size 6000 "
            "--weight-decay 1e-4 --log " +
                csv.string(),
            data_env());
    INFO(sfo.output);
    REQUIRE(sfo.exit_code == 0);
    CHECK(sfo.output.find("pass 2/2") != std::string::npos);
    CHECK(sfo.output.find("sfo: 10 subfunctions") != std::string::npos);
    CHECK(sfo.output.find("final test accuracy") != std::string::npos);
    std::istringstream log(read_file(csv));
    std::string header, row1, row2;
    std::getline(log, header);
    std::getline(log, row1);
    std::getline(log, row2);
    CHECK(header.rfind("epoch,", 0) == 0);
    CHECK(row2.rfind("2,", 0) == 0);

    // The MLP with its default dropout: a stochastic cost, refused in one line, exit code 2.
    const Run dropout = run("train --model mlp --optimizer sfo --epochs 1", data_env());
    CHECK(dropout.exit_code == 2);
    CHECK(dropout.output.find("--optimizer sfo needs a deterministic cost") != std::string::npos);
    CHECK(dropout.output.find("--dropout 0") != std::string::npos);
    CHECK(std::count(dropout.output.begin(), dropout.output.end(), '\n') == 1);
    // Options of the step-by-step loop it would ignore are refused too.
    const Run lr = run("train --model logreg --optimizer sfo --lr 0.1", data_env());
    CHECK(lr.exit_code == 2);
    CHECK(lr.output.find("does not take --lr") != std::string::npos);
  }

  TEST_CASE("cli: the paper CNN trains on 1x28x28 inputs without changes") {
    const Run r = run("train --model cnn --max-steps 5 --batch-size 16 --epochs 1", data_env());
    CAPTURE(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("Conv2d(in=1, out=64, kernel=5x5") != std::string::npos);
  }

  TEST_CASE("cli: a diverging run stops with a clear message") {
    // The MLP's gradients explode at this rate (logistic regression's are bounded and cannot).
    const Run r = run("train --model mlp --optimizer sgd --lr 1e6 --max-steps 50", data_env());
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("diverged") != std::string::npos);
  }

}  // TEST_SUITE
