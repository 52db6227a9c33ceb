// A user's image tree as train and test splits (adamite train --dataset folder:PATH): both
// layouts, and an error naming the folder or file for every way a tree can be wrong.
#include <doctest/doctest.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "adamite/data/image_folder.hpp"
#include "image_support.hpp"
#include "support.hpp"

using namespace adamite;
using testing::TempDir;
namespace fs = std::filesystem;

namespace {
std::string error_of(const fs::path& root) {
  return adamite::testing::thrown_message([&] { data::load_image_tree(root, "mine"); });
}
}  // namespace

TEST_SUITE("data") {
  TEST_CASE("image tree: train/ and test/ are the splits, class names from the sorted folders") {
    TempDir tmp;
    testing::write_colour_classes(tmp / "train", {"red", "green", "blue"}, 4);
    testing::write_colour_classes(tmp / "test", {"red", "green", "blue"}, 2);
    const data::Splits splits = data::load_image_tree(tmp.path(), "mine");
    CHECK(splits.train.size() == 12);
    CHECK(splits.test.size() == 6);
    CHECK(splits.train.name == "mine/train");
    CHECK(splits.train.class_names == std::vector<std::string>{"blue", "green", "red"});
    CHECK(splits.test.class_names == splits.train.class_names);
    CHECK(splits.train.example_shape() == Shape{3, 8, 8});
    CHECK(splits.test.labels == std::vector<int32_t>{0, 0, 1, 1, 2, 2});
  }

  TEST_CASE("image tree: class folders alone give a tenth, the same every time, as the test set") {
    TempDir tmp;
    testing::write_colour_classes(tmp.path(), {"cat", "dog"}, 15);
    const data::Splits splits = data::load_image_tree(tmp.path(), "mine");
    CHECK(splits.train.size() == 27);
    CHECK(splits.test.size() == 3);
    CHECK(splits.test.name == "mine/test");
    CHECK(splits.train.class_names == std::vector<std::string>{"cat", "dog"});
    const data::Splits again = data::load_image_tree(tmp.path(), "mine");
    CHECK(again.test.pixels == splits.test.pixels);
    CHECK(again.test.labels == splits.test.labels);
  }

  TEST_CASE("image tree: one class, half a split, other classes, too few or odd images are named") {
    TempDir tmp;
    testing::write_colour_classes(tmp / "one", {"only"}, 12);
    CHECK(
        error_of(tmp / "one").find("only one class folder (only); a classifier needs at least 2") !=
        std::string::npos);

    testing::write_colour_classes(tmp / "half" / "train", {"a", "b"}, 2);
    CHECK(error_of(tmp / "half").find("has train/ but no test/") != std::string::npos);

    testing::write_colour_classes(tmp / "other" / "train", {"a", "b"}, 2);
    testing::write_colour_classes(tmp / "other" / "test", {"a", "c"}, 2);
    CHECK(error_of(tmp / "other").find("train/ has a b, test/ has a c") != std::string::npos);

    testing::write_colour_classes(tmp / "few", {"a", "b"}, 4);
    CHECK(error_of(tmp / "few").find("8 images are too few") != std::string::npos);

    // A test image of another size than the training ones, and an unreadable one, by name.
    testing::write_colour_classes(tmp / "sizes" / "train", {"a", "b"}, 2);
    testing::write_colour_classes(tmp / "sizes" / "test", {"a", "b"}, 2);
    testing::write_image(tmp / "sizes" / "test" / "b" / "odd.png", 1, 9, 8);
    const std::string odd = error_of(tmp / "sizes");
    CHECK(odd.find((tmp / "sizes" / "test" / "b" / "odd.png").string() + ": image is 9x8") !=
          std::string::npos);
    fs::remove(tmp / "sizes" / "test" / "b" / "odd.png");
    std::ofstream(tmp / "sizes" / "test" / "b" / "broken.jpg") << "not a jpeg";
    CHECK(error_of(tmp / "sizes")
              .find((tmp / "sizes" / "test" / "b" / "broken.jpg").string() +
                    ": cannot decode image") != std::string::npos);

    fs::create_directories(tmp / "empty" / "a");
    testing::write_colour_classes(tmp / "empty", {"b"}, 12);
    CHECK(error_of(tmp / "empty").find("holds no .png") != std::string::npos);
    CHECK(error_of(tmp / "nowhere").find("not a folder") != std::string::npos);
  }
}
