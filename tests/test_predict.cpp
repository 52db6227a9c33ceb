// data::read_image on files written here, and `adamite predict` on a real MNIST test digit.
#include <doctest/doctest.h>

#include "adamite/data/idx.hpp"
#include "adamite/data/image_folder.hpp"
#include "adamite/data/mnist.hpp"
#include "image_support.hpp"
#include "process_support.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace adamite;

TEST_SUITE("data") {
  TEST_CASE("read_image: an RGB PNG and a grey one as [C, H, W] byte/255, a bad file by name") {
    testing::TempDir dir;
    for (const int channels : {3, 1}) {
      const fs::path file = dir / ("image" + std::to_string(channels) + ".png");
      testing::write_image(file, 3, /*w=*/5, /*h=*/4, channels);
      const Tensor image = data::read_image(file);
      REQUIRE(image.shape() == Shape{channels, 4, 5});
      for (int c = 0; c < channels; ++c)
        for (int y = 0; y < 4; ++y)
          for (int x = 0; x < 5; ++x)
            CHECK(image.data()[(c * 4 + y) * 5 + x] == float(testing::pixel(3, c, y, x)) / 255.0f);
    }
    std::ofstream(dir / "not.png") << "not an image";
    CHECK_THROWS_AS(data::read_image(dir / "not.png"), data::FormatError);
    CHECK_THROWS_WITH(data::read_image(dir / "not.png"), doctest::Contains("not.png"));
  }
}

TEST_SUITE("cli") {
  TEST_CASE(
      "cli: predict names a real test digit's class first, and refuses an image of another "
      "shape") {
    testing::TempDir dir;
    const auto run = [&](const std::string& arguments, const std::string& log) {
      return testing::run_adamite(arguments, dir / log);
    };
    REQUIRE(run("train --model logreg --epochs 1 --save " + (dir / "w.safetensors").string(),
                "train.log")
                .exit_code == 0);
    // MNIST's first test image, a 7, as a grey PNG.
    const data::Splits mnist = data::load_mnist(testing::data_root() / "mnist");
    REQUIRE(mnist.test.labels[0] == 7);
    const Tensor digit = mnist.test.examples(0, 1);
    std::vector<uint8_t> grey(784);
    for (size_t i = 0; i < grey.size(); ++i)
      grey[i] = static_cast<uint8_t>(std::lround(digit.data()[i] * 255.0f));
    REQUIRE(stbi_write_png((dir / "seven.png").c_str(), 28, 28, 1, grey.data(), 28) != 0);

    const auto result = run("predict --init " + (dir / "w.safetensors").string() + " " +
                                (dir / "seven.png").string() + " --top 2",
                            "predict.log");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    // "<file>: 7 0.9xx, <second class> 0.0xx": the class first, with its probability.
    CHECK(result.output.find("seven.png: 7 0.") != std::string::npos);
    CHECK(std::count(result.output.begin(), result.output.end(), ',') == 1);

    testing::write_image(dir / "colour.png", 1, 28, 28, 3);
    const auto wrong = run(
        "predict --init " + (dir / "w.safetensors").string() + " " + (dir / "colour.png").string(),
        "wrong.log");
    CHECK(wrong.exit_code == 1);
    CHECK(wrong.output.find("colour.png: image is [3, 28, 28]") != std::string::npos);
  }
}
