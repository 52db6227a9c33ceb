// `adamite train --augment` and `--label-smoothing`: they change training, belong to the run's
// identity, and a resumed run sees the very batches an uninterrupted one does.
#include <doctest/doctest.h>

#include "process_support.hpp"

namespace {
namespace fs = std::filesystem;
using adamite::testing::read_file;
using adamite::testing::Result;

// adamite ARGUMENTS, output to `log`.
const auto run = adamite::testing::run_adamite;
}  // namespace

TEST_SUITE("cli") {
  TEST_CASE(
      "cli: --augment crop:2,flip,cutout:8 resumes to the straight run's bytes, and is in the "
      "identity") {
    adamite::testing::TempDir dir;
    const std::string common =
        "train --model logreg --epochs 1 --seed 3 --augment crop:2,flip,cutout:8 ";
    const fs::path checkpoint = dir / "ck";
    REQUIRE(run(common + "--max-steps 40 --save " + (dir / "straight.safetensors").string(),
                dir / "straight.log")
                .exit_code == 0);
    const Result plain = run("train --model logreg --epochs 1 --seed 3 --max-steps 40 --save " +
                                 (dir / "plain.safetensors").string(),
                             dir / "plain.log");
    REQUIRE(plain.exit_code == 0);
    CHECK(read_file(dir / "plain.safetensors") != read_file(dir / "straight.safetensors"));

    const Result first =
        run(common + "--max-steps 20 --checkpoint " + checkpoint.string(), dir / "first.log");
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK(first.output.find("augmentation crop:2,flip,cutout:8") != std::string::npos);
    // Resuming with another augmentation would be another run: refused.
    const Result other = run("train --augment none --max-steps 40 --resume " + checkpoint.string(),
                             dir / "other.log");
    CHECK(other.exit_code == 2);
    CHECK(other.output.find("augment") != std::string::npos);
    // --resume alone takes the augmentation (and everything else) from the checkpoint.
    const Result resumed = run("train --max-steps 40 --resume " + checkpoint.string() + " --save " +
                                   (dir / "resumed.safetensors").string(),
                               dir / "resumed.log");
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    CHECK(read_file(dir / "resumed.safetensors") == read_file(dir / "straight.safetensors"));
  }

  TEST_CASE("cli: --label-smoothing changes training, is in the header and the identity") {
    adamite::testing::TempDir dir;
    const std::string common = "train --model logreg --epochs 1 --seed 3 --max-steps 20 ";
    const Result smoothed =
        run(common + "--label-smoothing 0.1 --checkpoint " + (dir / "ck").string() + " --save " +
                (dir / "smoothed.safetensors").string(),
            dir / "smoothed.log");
    INFO(smoothed.output);
    REQUIRE(smoothed.exit_code == 0);
    CHECK(smoothed.output.find("label smoothing 0.1,") != std::string::npos);
    REQUIRE(run(common + "--save " + (dir / "plain.safetensors").string(), dir / "plain.log")
                .exit_code == 0);
    CHECK(read_file(dir / "plain.safetensors") != read_file(dir / "smoothed.safetensors"));
    // Another smoothing is another run; out of range and SFO are refused before any training.
    const Result other =
        run("train --label-smoothing 0.2 --max-steps 40 --resume " + (dir / "ck").string(),
            dir / "other.log");
    CHECK(other.exit_code == 2);
    CHECK(other.output.find("label_smoothing") != std::string::npos);
    for (const std::string bad :
         {"--label-smoothing 1.5", "--optimizer sfo --label-smoothing 0.1"}) {
      const Result refused = run("train --model logreg --epochs 1 " + bad, dir / "bad.log");
      CAPTURE(bad);
      CHECK(refused.exit_code == 2);
      CHECK(refused.output.find("--label-smoothing") != std::string::npos);
    }
  }
}
