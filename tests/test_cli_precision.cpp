// --precision from the command line: bf16 training says its hardware and is kept in the
// checkpoint (a resume in the other precision is refused); bf16 is refused with its reason where
// oneDNN cannot run it; fp32 and bf16 weights are the same for 1 and 2 threads in separate
// processes; reproduce keeps fp32 and bf16 results in separate folders.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "adamite/precision.hpp"
#include "image_support.hpp"
#include "process_support.hpp"

namespace {
using adamite::testing::Result;
const auto run = adamite::testing::run_adamite;
}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("cli: --precision bf16 trains, names the hardware, and a resume may not change it") {
    adamite::testing::TempDir dir;
    const std::string checkpoint = (dir / "ck").string();
    const Result first =
        run("train --model mlp --max-steps 20 --threads 2 --precision bf16 "
            "--checkpoint " +
                checkpoint,
            dir / "first.log");
    INFO(first.output);
    if (const std::string why = adamite::bf16_unavailable_reason(); !why.empty()) {
      MESSAGE("bf16 not tested here: " << why);
      CHECK(first.exit_code == 2);
      CHECK(first.output.find("bf16 is not available here") != std::string::npos);
      return;
    }
    REQUIRE(first.exit_code == 0);
    CHECK(first.output.find("products in bf16 (bf16 hardware ") != std::string::npos);
    CHECK(first.output.find("oneDNN kernel " + adamite::bf16_matmul_kernel()) != std::string::npos);

    const Result other =
        run("train --resume " + checkpoint + " --max-steps 40 --precision fp32", dir / "other.log");
    INFO(other.output);
    CHECK(other.exit_code == 2);
    CHECK(other.output.find("precision: checkpoint bf16, this run (not set)") != std::string::npos);

    // Without --precision the stored one is used.
    const Result same = run("train --resume " + checkpoint + " --max-steps 40", dir / "same.log");
    INFO(same.output);
    CHECK(same.exit_code == 0);
    CHECK(same.output.find("products in bf16") != std::string::npos);
  }

  TEST_CASE("cli: training saves the same weights with 1 and 2 threads, process by process") {
    // Separate processes, as a user runs them: in one process the second run could reuse the
    // oneDNN kernels the first compiled (that hid a bf16 thread-count dependence until 4064bfb).
    // The paper CNN on 32x32 images, batches of 128: its 2048 -> 1000 layer runs in 64-row tiles.
    adamite::testing::TempDir dir;
    const auto tree = dir / "images";
    adamite::testing::write_colour_classes(tree, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"},
                                           30, 32, 32);
    for (const std::string precision : {"fp32", "bf16"}) {
      CAPTURE(precision);
      if (const std::string why = adamite::bf16_unavailable_reason();
          precision == "bf16" && !why.empty()) {
        MESSAGE("bf16 not tested here: " << why);
        continue;
      }
      std::string weights[2];
      for (const int threads : {1, 2}) {
        const std::string file = (dir / (precision + std::to_string(threads))).string();
        const Result trained =
            run("train --model cnn --dataset folder:" + tree.string() +
                    " --whiten standardize --max-steps 4 --precision " + precision + " --threads " +
                    std::to_string(threads) + " --save " + file,
                dir / "train.log");
        INFO(trained.output);
        REQUIRE(trained.exit_code == 0);
        std::ifstream in(file, std::ios::binary);
        weights[threads - 1].assign(std::istreambuf_iterator<char>(in), {});
      }
      REQUIRE(!weights[0].empty());
      CHECK(weights[0] == weights[1]);
    }
  }

  TEST_CASE("cli: --precision bf16 is refused with a reason where oneDNN cannot run it") {
    adamite::testing::TempDir dir;
    // oneDNN kept below its bf16 instructions would emulate them: slower than fp32, so refused.
    const Result limited = adamite::testing::run_command(
        "ONEDNN_MAX_CPU_ISA=AVX512_CORE DNNL_MAX_CPU_ISA=AVX512_CORE " + std::string(ADAMITE_CLI) +
            " bench --model logreg --steps 1 --precision bf16",
        dir / "limited.log");
    INFO(limited.output);
    CHECK(limited.exit_code == 2);
    CHECK(limited.output.find("--precision: bf16 is not available here: ") != std::string::npos);
    const Result unknown = run("bench --model logreg --steps 1 --precision fp16", dir / "u.log");
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.output.find("must be fp32 or bf16, got 'fp16'") != std::string::npos);
  }

  TEST_CASE("cli: reproduce keeps fp32 and bf16 results in folders of their own") {
    adamite::testing::TempDir dir;
    const auto fp32_results = dir / "fp32", bf16_results = dir / "bf16";
    std::filesystem::create_directories(fp32_results);
    std::ofstream(fp32_results / "report.md") << "fp32 results\n";
    std::filesystem::create_directories(bf16_results);
    std::ofstream(bf16_results / "precision") << "bf16\n";
    // Both refused before anything trains, whatever the CPU.
    const Result into_fp32 =
        run("reproduce fig1-mnist --quick --precision bf16 --out " + fp32_results.string(),
            dir / "a.log");
    INFO(into_fp32.output);
    CHECK(into_fp32.exit_code == 2);
    if (adamite::bf16_unavailable_reason().empty())
      CHECK(into_fp32.output.find("holds fp32 results; give the bf16 runs a folder of their own") !=
            std::string::npos);
    const Result into_bf16 =
        run("reproduce fig1-mnist --quick --out " + bf16_results.string(), dir / "b.log");
    INFO(into_bf16.output);
    CHECK(into_bf16.exit_code == 2);
    CHECK(into_bf16.output.find("holds bf16 results; give the fp32 runs a folder of their own") !=
          std::string::npos);
  }
}
