// Looking at results from the command line: `train --plot` draws the learning curves as an SVG
// (a resumed run's too, from its log), and `show-samples` writes a labelled PNG grid of images,
// augmented on request.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "adamite/data/image_folder.hpp"
#include "adamite/data/mnist.hpp"
#include "support.hpp"

namespace {
namespace fs = std::filesystem;

struct Run {
  int exit_code;
  std::string output;  // stdout and stderr together
};

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// adamite ARGUMENTS, after `shell` (e.g. "ulimit -f 20; ") in the same shell.
Run run(const std::string& arguments, const std::string& shell = "") {
  adamite::testing::TempDir dir;
  const auto out = dir / "out.txt";
  const std::string command = shell + "ADAMITE_DATA=" + adamite::testing::data_root().string() +
                              " " + ADAMITE_CLI + " " + arguments + " > " + out.string() + " 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out)};
}

// The number of points on the drawn line of the series labelled `label`.
size_t line_points(const std::string& svg, const std::string& label) {
  const size_t at = svg.find("data-label=\"" + label + "\" d=\"");
  if (at == std::string::npos) return 0;
  const size_t begin = svg.find("d=\"", at) + 3;
  const std::string d = svg.substr(begin, svg.find('"', begin) - begin);
  return static_cast<size_t>(std::count(d.begin(), d.end(), 'M') +
                             std::count(d.begin(), d.end(), 'L'));
}

void check_well_formed(const std::string& svg) {
  CHECK(svg.rfind("<?xml", 0) == 0);
  const size_t end = svg.find_last_not_of(" \n");
  REQUIRE(end != std::string::npos);
  CHECK(svg.substr(0, end + 1).ends_with("</svg>"));
}

uint32_t big_endian(const std::string& bytes, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = value << 8 | static_cast<uint8_t>(bytes[at + i]);
  return value;
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("cli plot: train --plot draws loss and accuracy curves as an SVG") {
    adamite::testing::TempDir dir;
    const auto svg_file = dir / "curves.svg", csv = dir / "run.csv";
    const Run train = run("train --model logreg --epochs 2 --max-steps 30 --plot " +
                          svg_file.string() + " --log " + csv.string());
    INFO(train.output);
    REQUIRE(train.exit_code == 0);
    CHECK(train.output.find("plotted the learning curves in") != std::string::npos);
    const std::string svg = read_file(svg_file);
    check_well_formed(svg);
    for (const char* label : {"training loss", "test loss", "test accuracy"})
      CHECK_MESSAGE(svg.find(label) != std::string::npos, label);
    CHECK(svg.find("logreg on mnist, adam, lr 0.001") != std::string::npos);  // the title
    CHECK(svg.find("test accuracy (%)") != std::string::npos);                // right panel
    CHECK(line_points(svg, "training loss") == 1);  // --max-steps 30 ends inside epoch 1
    CHECK(line_points(svg, "test accuracy") == 1);
    for (const auto& entry : fs::directory_iterator(dir.path()))  // no hidden temporary left
      CHECK_FALSE(entry.path().filename().string().starts_with("."));
  }

  TEST_CASE("cli plot: a resumed run's plot covers the epochs in its --log, bad logs are named") {
    adamite::testing::TempDir dir;
    const auto svg_file = dir / "curves.svg", csv = dir / "run.csv", checkpoint = dir / "ckpt";
    // 10 steps per epoch: epoch 1, then resume for epochs 2 and 3.
    const std::string common = "train --model logreg --batch-size 6000 --plot " +
                               svg_file.string() + " --log " + csv.string();
    const Run first = run(common + " --epochs 1 --checkpoint " + checkpoint.string());
    INFO(first.output);
    REQUIRE(first.exit_code == 0);
    CHECK(line_points(read_file(svg_file), "test loss") == 1);
    const Run second = run(common + " --epochs 3 --resume " + checkpoint.string());
    INFO(second.output);
    REQUIRE(second.exit_code == 0);
    const std::string svg = read_file(svg_file);
    check_well_formed(svg);
    CHECK(line_points(svg, "training loss") == 3);
    CHECK(line_points(svg, "test loss") == 3);
    CHECK(line_points(svg, "test accuracy") == 3);
    // The log's time runs on across the resume: the run's wall time, not this invocation's.
    std::ifstream rows(csv);
    std::string row;
    std::getline(rows, row);
    std::vector<double> seconds;
    while (std::getline(rows, row)) seconds.push_back(std::stod(row.substr(row.rfind(',') + 1)));
    REQUIRE(seconds.size() == 3);
    // Epochs take about as long as each other: epoch 2 ends an epoch's time after epoch 1 (it
    // restarted from 0 before, ending about where epoch 1 did).
    CHECK(seconds[1] >= seconds[0] + 0.5 * (seconds[2] - seconds[1]));
    CHECK(seconds[2] > seconds[1]);

    // A log that is not one: refused before training, naming the file and the line.
    std::ofstream(csv) << "epoch,step,train_loss,test_loss,test_accuracy,seconds\n"
                       << "1,10,0.5,0.4,0.9,1.0\n"
                       << "2,20,0.4,oops,0.91,2.0\n";
    const Run bad = run(common + " --epochs 4 --resume " + checkpoint.string());
    INFO(bad.output);
    CHECK(bad.exit_code == 1);
    CHECK(bad.output.find(csv.string() + " line 3") != std::string::npos);
    CHECK(bad.output.find("'oops' is not a number") != std::string::npos);
  }

  TEST_CASE("cli samples: show-samples writes a labelled grid of the chosen images") {
    adamite::testing::TempDir dir;
    fs::create_directories(dir / "grid" / "all");
    const auto png = dir / "grid" / "all" / "g.png";
    const Run shown =
        run("show-samples --dataset mnist --count 12 --columns 4 --out " + png.string());
    INFO(shown.output);
    REQUIRE(shown.exit_code == 0);

    // Cells of 4 + 28*3 + 4 px wide and 4 + 84 + 4 + 7*2 (label, font scale 2) + 4 px high.
    const int cell_w = 92, cell_h = 110;
    const std::string bytes = read_file(png);
    REQUIRE(bytes.size() > 24);
    CHECK(bytes.substr(1, 3) == "PNG");
    CHECK(bytes.substr(12, 4) == "IHDR");
    CHECK(big_endian(bytes, 16) == static_cast<uint32_t>(4 * cell_w));
    CHECK(big_endian(bytes, 20) == static_cast<uint32_t>(3 * cell_h));

    // The printed indices name the images; the first cell holds the first one, scaled by 3.
    const size_t at = shown.output.find("indices:");
    REQUIRE(at != std::string::npos);
    std::istringstream indices(shown.output.substr(at + 8));
    std::vector<int64_t> chosen;
    for (int64_t index; indices >> index;) chosen.push_back(index);
    REQUIRE(chosen.size() == 12);
    CHECK(std::set<int64_t>(chosen.begin(), chosen.end()).size() == 12);
    const auto mnist = adamite::data::load_mnist(adamite::testing::data_root() / "mnist");
    const auto grid = adamite::data::read_image_folder(dir / "grid", "grid").dataset;
    const adamite::Shape expected_shape = {1, 3, 3 * cell_h, 4 * cell_w};
    REQUIRE(grid.pixel_shape == expected_shape);
    const int64_t width = 4 * cell_w, plane = 3 * cell_h * width;
    const adamite::Tensor grid_values = grid.examples();
    const float* pixels = grid_values.data();
    const adamite::Tensor first_image = mnist.train.examples(chosen[0], 1);
    const float* first = first_image.data();
    int mismatches = 0;
    for (int y = 0; y < 84; ++y)
      for (int x = 0; x < 84; ++x)
        for (int c = 0; c < 3; ++c) {
          const float expected = std::round(255.0f * first[y / 3 * 28 + x / 3]) / 255.0f;
          const float got = pixels[c * plane + (4 + y) * width + 4 + x];
          mismatches += std::abs(got - expected) > 1e-6f;
        }
    CHECK(mismatches == 0);
    // The label area under the first image holds dark font pixels on white; the image has ink.
    int dark = 0, ink = 0;
    for (int y = 92; y < 106; ++y)
      for (int x = 0; x < cell_w; ++x) dark += pixels[y * width + x] < 0.1f;
    for (int i = 0; i < 28 * 28; ++i) ink += first[i] > 0.5f;
    CHECK(dark > 10);
    CHECK(ink > 10);
    CHECK(pixels[0] == 1.0f);  // white margin
  }

  TEST_CASE("cli samples: show-samples refuses bad arguments with exit code 2") {
    adamite::testing::TempDir dir;
    const std::string out = " --out " + (dir / "g.png").string();
    CHECK(run("show-samples --dataset mnist --count 0" + out).exit_code == 2);
    CHECK(run("show-samples --dataset imagenet" + out).exit_code == 2);
    CHECK(run("show-samples --dataset mnist").exit_code == 2);
    CHECK(run("show-samples --dataset mnist --split valid" + out).exit_code == 2);
    const Run too_many = run("show-samples --dataset mnist --split test --count 10001" + out);
    CHECK(too_many.exit_code == 2);
    CHECK(too_many.output.find("has only 10000 images") != std::string::npos);
    const Run bad_augment = run("show-samples --dataset mnist --augment rotate" + out);
    CHECK(bad_augment.exit_code == 2);
    CHECK(bad_augment.output.find("cutout:S") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "g.png"));
  }

  // It wrote the PNG in place and ignored stb's failed writes: under `ulimit -f` it printed
  // "wrote" with exit 0 and left a truncated file where the earlier one had been.
  TEST_CASE("cli samples: a failed write keeps the earlier PNG and fails with its reason") {
    adamite::testing::TempDir dir;
    const fs::path png = dir / "g.png";
    REQUIRE(run("show-samples --dataset mnist --count 4 --out " + png.string()).exit_code == 0);
    const std::string earlier = read_file(png);
    const Run full = run("show-samples --dataset mnist --count 64 --seed 7 --out /dev/full");
    CHECK(full.exit_code != 0);
    CHECK(full.output.find("/dev/full") != std::string::npos);
    // A file-size limit below the new grid's size (about 56 KB).
    const Run limited = run(
        "show-samples --dataset mnist --count 64 --seed 7 --out " + png.string(), "ulimit -f 20; ");
    CHECK(limited.exit_code != 0);
    CHECK(limited.output.find("any previous file there is unchanged") != std::string::npos);
    CHECK(read_file(png) == earlier);
  }

  // predict's classes and bench's JSON are the result: a failed write of them is a failure.
  TEST_CASE("cli: output that cannot reach stdout (a full disk) exits 1 and says so") {
    adamite::testing::TempDir dir;
    const fs::path errors = dir / "err.txt";
    const int status = std::system(
        (std::string(ADAMITE_CLI) + " train --list-optimizers > /dev/full 2> " + errors.string())
            .c_str());
    CHECK((WIFEXITED(status) ? WEXITSTATUS(status) : -1) == 1);
    CHECK(read_file(errors).find("cannot write to standard output") != std::string::npos);
  }

  TEST_CASE("cli samples: show-samples --augment shows the images as training augments them") {
    adamite::testing::TempDir dir;
    fs::create_directories(dir / "grid" / "all");
    // A 64-pixel cutout covers a 28x28 image wherever its centre falls: the cell goes black.
    const auto png = dir / "grid" / "all" / "g.png";
    const Run shown = run(
        "show-samples --dataset mnist --count 1 --augment crop:2,cutout:64 --out " + png.string());
    INFO(shown.output);
    REQUIRE(shown.exit_code == 0);
    const auto grid = adamite::data::read_image_folder(dir / "grid", "grid").dataset;
    const adamite::Tensor values = grid.examples();
    const int64_t width = grid.pixel_shape[3];
    int lit = 0;
    for (int y = 0; y < 84; ++y)
      for (int x = 0; x < 84; ++x) lit += values.data()[(4 + y) * width + 4 + x] != 0.0f;
    CHECK(lit == 0);
    CHECK(values.data()[0] == 1.0f);  // the white margin stays
  }
}
