// The README's C++ example is the file the tests compile and run, word for word.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "support.hpp"

TEST_CASE("readme: the 'define your own model' example is the tested file") {
  auto slurp = [](const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  const std::string readme = slurp(std::filesystem::path(ADAMITE_SOURCE_DIR) / "README.md");
  const std::string example =
      slurp(std::filesystem::path(ADAMITE_SOURCE_DIR) / "tests/example/custom_model.cpp");
  REQUIRE(!example.empty());
  CHECK_MESSAGE(readme.find("```cpp\n" + example + "```") != std::string::npos,
                "README.md must quote tests/example/custom_model.cpp exactly");
}
