// docs/guide.md quotes every program the tests build from tests/guide/ (and the optimizer example)
// word for word, so the guide cannot drift from code that compiles and runs.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "support.hpp"

TEST_CASE("docs: the guide quotes every tests/guide program exactly") {
  namespace fs = std::filesystem;
  auto slurp = [](const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  const fs::path root = ADAMITE_SOURCE_DIR;
  const std::string guide = slurp(root / "docs/guide.md");
  REQUIRE(!guide.empty());
  std::vector<fs::path> programs = {root / "tests/example/sign_sgd.hpp"};
  for (const auto& entry : fs::directory_iterator(root / "tests/guide"))
    if (entry.path().extension() == ".cpp") programs.push_back(entry.path());
  CHECK(programs.size() >= 5);
  for (const fs::path& program : programs) {
    CAPTURE(program);
    const std::string code = slurp(program);
    REQUIRE(!code.empty());
    CHECK(guide.find("```cpp\n" + code + "```") != std::string::npos);
  }
}
